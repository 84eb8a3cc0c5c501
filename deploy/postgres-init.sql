-- One database and one role per store: the main store's credentials cannot read personal data.
CREATE ROLE helpdesk LOGIN PASSWORD 'helpdesk';
CREATE DATABASE helpdesk OWNER helpdesk;
CREATE ROLE helpdesk_personal LOGIN PASSWORD 'helpdesk_personal';
CREATE DATABASE helpdesk_personal OWNER helpdesk_personal;
