-- The schema as Base.metadata.create_all made it on sqlite before there were migrations
-- (generated once from the models of commit 80b7fe6; never regenerate it: it stands for the
-- databases out there). tests/integrations/test_migrations.py makes a database from it.

CREATE TABLE calendar_feed_tokens (
	id INTEGER NOT NULL,
	person VARCHAR(254) NOT NULL,
	token_hash VARCHAR(64) NOT NULL,
	created_at DATETIME NOT NULL,
	revoked_at DATETIME,
	last_used_at DATETIME,
	PRIMARY KEY (id),
	UNIQUE (token_hash)
);

CREATE INDEX ix_calendar_feed_tokens_person ON calendar_feed_tokens (person);

CREATE TABLE calendar_series (
	uid VARCHAR(128) NOT NULL,
	case_id VARCHAR(64) NOT NULL,
	sequence INTEGER NOT NULL,
	cancelled BOOLEAN NOT NULL,
	data JSON NOT NULL,
	updated_at DATETIME NOT NULL,
	PRIMARY KEY (uid)
);

CREATE INDEX ix_calendar_series_case_id ON calendar_series (case_id);

CREATE TABLE calendar_series_people (
	uid VARCHAR(128) NOT NULL,
	email VARCHAR(254) NOT NULL,
	PRIMARY KEY (uid, email)
);

CREATE INDEX ix_calendar_series_people_email ON calendar_series_people (email);

CREATE TABLE cases (
	case_id VARCHAR(64) NOT NULL,
	employee_name VARCHAR(200) NOT NULL,
	employee_email VARCHAR(320) NOT NULL,
	manager_name VARCHAR(200) NOT NULL,
	manager_email VARCHAR(320) NOT NULL,
	org_unit VARCHAR(100),
	first_sick_day DATE NOT NULL,
	phase VARCHAR(40) NOT NULL,
	next_deadline DATE,
	opened_at DATETIME NOT NULL,
	updated_at DATETIME NOT NULL,
	PRIMARY KEY (case_id)
);

CREATE INDEX ix_cases_employee_email ON cases (employee_email);

CREATE INDEX ix_cases_manager_email ON cases (manager_email);

CREATE INDEX ix_cases_org_unit ON cases (org_unit);

CREATE INDEX ix_cases_phase ON cases (phase);

CREATE TABLE outbox (
	id INTEGER NOT NULL,
	"key" VARCHAR(400) NOT NULL,
	recipient VARCHAR(254) NOT NULL,
	kind VARCHAR(64) NOT NULL,
	series_uid VARCHAR(128),
	recurrence_id VARCHAR(32),
	sequence INTEGER,
	method VARCHAR(16),
	status VARCHAR(16) NOT NULL,
	message_id VARCHAR(300),
	subject VARCHAR(200),
	attempts INTEGER NOT NULL,
	last_error TEXT,
	error_code INTEGER,
	created_at DATETIME NOT NULL,
	updated_at DATETIME NOT NULL,
	sent_at DATETIME,
	claimed_until DATETIME,
	PRIMARY KEY (id),
	CONSTRAINT uq_outbox_key_recipient UNIQUE ("key", recipient)
);

CREATE INDEX ix_outbox_series_uid ON outbox (series_uid);

CREATE INDEX ix_outbox_status ON outbox (status);

CREATE TABLE users (
	id INTEGER NOT NULL,
	email VARCHAR(320) NOT NULL,
	name VARCHAR(200) NOT NULL,
	role VARCHAR(20) NOT NULL,
	language VARCHAR(2) NOT NULL,
	password_hash VARCHAR(200),
	totp_secret VARCHAR(64),
	totp_last_step INTEGER NOT NULL,
	active BOOLEAN NOT NULL,
	demo BOOLEAN NOT NULL,
	created_at DATETIME NOT NULL,
	PRIMARY KEY (id)
);

CREATE UNIQUE INDEX ix_users_email ON users (email);

CREATE TABLE api_tokens (
	id INTEGER NOT NULL,
	user_id INTEGER NOT NULL,
	digest VARCHAR(64) NOT NULL,
	label VARCHAR(100) NOT NULL,
	created_at DATETIME NOT NULL,
	revoked_at DATETIME,
	PRIMARY KEY (id),
	FOREIGN KEY(user_id) REFERENCES users (id)
);

CREATE UNIQUE INDEX ix_api_tokens_digest ON api_tokens (digest);

CREATE INDEX ix_api_tokens_user_id ON api_tokens (user_id);

CREATE TABLE audit_trail (
	id INTEGER NOT NULL,
	case_id VARCHAR(64) NOT NULL,
	event_key VARCHAR(200) NOT NULL,
	at DATETIME NOT NULL,
	actor VARCHAR(320) NOT NULL,
	action VARCHAR(80) NOT NULL,
	detail JSON NOT NULL,
	PRIMARY KEY (id),
	CONSTRAINT uq_audit_event UNIQUE (case_id, event_key),
	FOREIGN KEY(case_id) REFERENCES cases (case_id)
);

CREATE INDEX ix_audit_trail_case_id ON audit_trail (case_id);

CREATE TABLE case_people (
	id INTEGER NOT NULL,
	case_id VARCHAR(64) NOT NULL,
	role VARCHAR(20) NOT NULL,
	email VARCHAR(320) NOT NULL,
	PRIMARY KEY (id),
	CONSTRAINT uq_case_person UNIQUE (case_id, role, email),
	FOREIGN KEY(case_id) REFERENCES cases (case_id)
);

CREATE INDEX ix_case_people_case_id ON case_people (case_id);

CREATE INDEX ix_case_people_email ON case_people (email);
