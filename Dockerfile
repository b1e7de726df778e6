# The worker and the web app of reintegratie (docker-compose.yml runs both from this image).
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

# WeasyPrint (the dossier's PDFs) draws text with Pango; the slim image has none of it.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first (cached while only the code changes), then the code.
COPY pyproject.toml README.md ./
COPY reintegratie/ reintegratie/
COPY states/ states/
COPY workflows/ workflows/
COPY activities/ activities/
COPY integrations/ integrations/
COPY web/ web/
COPY contracts/ contracts/
COPY worker/ worker/
RUN pip install . && useradd --create-home --uid 10001 app

USER app
# Configuration comes only from REINTEGRATIE_* variables (README.md, "Configuration").
EXPOSE 8000 9464 9465
CMD ["reintegratie", "worker"]
