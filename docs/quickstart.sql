-- hubspot_fdw quick start (psql). Runs as is against the local simulator:
--     python -m hubspot_fdw.simulator --port 18765
-- Against HubSpot itself: leave out api_url and use your private app's access token.

CREATE EXTENSION hubspot_fdw;
CREATE SERVER hubspot FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url 'http://127.0.0.1:18765');
CREATE USER MAPPING FOR CURRENT_USER SERVER hubspot OPTIONS (access_token 'pat-na1-simulator-token');
CREATE SCHEMA hubspot;
IMPORT FOREIGN SCHEMA hubspot FROM SERVER hubspot INTO hubspot;

-- Who works where, with the association labels.
SELECT c.email, co.name, a.labels
FROM hubspot.associations_company_contact a
JOIN hubspot.contacts  c  ON c.id  = a.contact_id
JOIN hubspot.companies co ON co.id = a.company_id
LIMIT 10;

-- Writes go to HubSpot first; RETURNING shows what HubSpot stored.
INSERT INTO hubspot.contacts (firstname, lastname, email)
VALUES ('Paul', 'Atreides', 'paul@arrakis.example') RETURNING id;

UPDATE hubspot.contacts SET jobtitle = 'Duke' WHERE email = 'paul@arrakis.example';

DELETE FROM hubspot.contacts WHERE email = 'paul@arrakis.example';

-- HubSpot rejects this, so the statement fails (SQLSTATE 23514) and nothing is written.
INSERT INTO hubspot.contacts (email) VALUES ('not-an-email');
