-- The product's own database (read model, outbox, audit trail, accounts), next to Temporal's.
CREATE ROLE reintegratie WITH LOGIN PASSWORD 'reintegratie';
CREATE DATABASE reintegratie OWNER reintegratie;
