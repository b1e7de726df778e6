"""The application shell: the command line and the embedded dev stack that start the web app and the worker."""
