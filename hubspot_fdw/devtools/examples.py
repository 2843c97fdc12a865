"""docs/examples.md: everyday questions, their SQL, and the output psql printed for them
against the local simulator (a seeded portal), after one sync pass.

    python -m hubspot_fdw.devtools.examples docs/examples.md

starts a throwaway PostgreSQL and the simulator, imports the schema ``hubspot``, runs
``hubspot-fdw sync --once`` and then each example through psql, and writes the page.
As root it re-runs itself as ``postgres`` (PostgreSQL refuses root), which must be able
to write the page (write to /tmp and copy it). The simulator's dates are relative to the
day it runs, so the figures change from day to day; the SQL does not. tests/fdw/test_examples.py runs every example against the
simulator, so the SQL stays valid.

Deliberately not here: the user guides (docs/*.md).
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence


@dataclass(frozen=True)
class Example:
    title: str
    note: str
    sql: str


STAGE_JOIN = ("JOIN hubspot.pipeline_stages s\n"
              "    ON s.object_type = 'deals' AND s.pipeline_id = d.pipeline AND s.id = d.dealstage")

EXAMPLES: tuple[Example, ...] = (
    Example("Deals closing this quarter",
            "Stage labels come from `pipeline_stages`: `dealstage` holds the stage's id.",
            f"""SELECT d.dealname, d.amount, s.label AS stage, d.closedate::date AS closes
  FROM hubspot.deals d
  {STAGE_JOIN}
 WHERE d.closedate >= date_trunc('quarter', now())
   AND d.closedate <  date_trunc('quarter', now()) + interval '3 months'
 ORDER BY d.closedate
 LIMIT 10;"""),
    Example("The pipeline by stage, with labels",
            "Every stage of every deal pipeline, in HubSpot's order, with the deals in it.",
            """SELECT p.label AS pipeline, s.label AS stage, count(d.id) AS deals,
       coalesce(sum(d.amount), 0) AS amount
  FROM hubspot.pipelines p
  JOIN hubspot.pipeline_stages s ON s.object_type = p.object_type AND s.pipeline_id = p.id
  LEFT JOIN hubspot.deals d ON d.pipeline = p.id AND d.dealstage = s.id
 WHERE p.object_type = 'deals'
 GROUP BY p.label, p.display_order, s.label, s.display_order
 ORDER BY p.display_order, s.display_order;"""),
    Example("Contacts per owner",
            "`hubspot_owner_id` holds an owner's id; `owners` has their names.",
            """SELECT coalesce(o.first_name || ' ' || o.last_name, '(no owner)') AS owner,
       count(*) AS contacts
  FROM hubspot.contacts c
  LEFT JOIN hubspot.owners o ON o.id = c.hubspot_owner_id
 GROUP BY 1
 ORDER BY contacts DESC, owner;"""),
    Example("Time in each deal stage",
            "`deals_property_history` holds every stage a deal was in and when it moved: a stage lasted "
            "until the next change (the current stage of an open deal: until now; a closed deal's last "
            "stage is left out).",
            """WITH moves AS (
  SELECT h.deal_id, h.value AS stage, h.changed_at,
         lead(h.changed_at) OVER (PARTITION BY h.deal_id ORDER BY h.changed_at) AS left_at
    FROM hubspot.deals_property_history h
   WHERE h.property = 'dealstage'
)
SELECT s.label AS stage, count(DISTINCT m.deal_id) AS deals,
       round(avg(extract(epoch FROM coalesce(m.left_at, now()) - m.changed_at) / 86400)) AS avg_days,
       round(max(extract(epoch FROM coalesce(m.left_at, now()) - m.changed_at) / 86400)) AS max_days
  FROM moves m
  JOIN hubspot.deals d ON d.id = m.deal_id
  JOIN hubspot.pipeline_stages s
    ON s.object_type = 'deals' AND s.pipeline_id = d.pipeline AND s.id = m.stage
 WHERE m.left_at IS NOT NULL OR NOT d.hs_is_closed
 GROUP BY s.pipeline_id, s.label, s.display_order
 ORDER BY s.pipeline_id, s.display_order;"""),
    Example("Companies with no activity in the last 90 days",
            "Activity = a call, e-mail, meeting or note logged on one of the company's contacts.",
            """SELECT co.name, co.city, o.first_name || ' ' || o.last_name AS owner
  FROM hubspot.companies co
  LEFT JOIN hubspot.owners o ON o.id = co.hubspot_owner_id
 WHERE NOT EXISTS (
         SELECT 1
           FROM hubspot.associations_company_contact cc
           JOIN (SELECT a.contact_id, x.hs_timestamp FROM hubspot.associations_call_contact a
                   JOIN hubspot.calls x ON x.id = a.call_id
                 UNION ALL
                 SELECT a.contact_id, x.hs_timestamp FROM hubspot.associations_contact_email a
                   JOIN hubspot.emails x ON x.id = a.email_id
                 UNION ALL
                 SELECT a.contact_id, x.hs_timestamp FROM hubspot.associations_contact_meeting a
                   JOIN hubspot.meetings x ON x.id = a.meeting_id
                 UNION ALL
                 SELECT a.contact_id, x.hs_timestamp FROM hubspot.associations_contact_note a
                   JOIN hubspot.notes x ON x.id = a.note_id) act ON act.contact_id = cc.contact_id
          WHERE cc.company_id = co.id AND act.hs_timestamp > now() - interval '90 days')
 ORDER BY co.name
 LIMIT 10;"""),
    Example("Won revenue per quarter, last two years",
            "`dealstage = 'closedwon'` is the value; the label is \"Closed Won\".",
            """SELECT date_trunc('quarter', closedate)::date AS quarter, count(*) AS deals_won,
       sum(amount) AS revenue
  FROM hubspot.deals
 WHERE dealstage = 'closedwon'
   AND closedate >= date_trunc('quarter', now()) - interval '2 years'
   AND closedate <  now()
 GROUP BY 1
 ORDER BY 1;"""),
    Example("Contacts by lifecycle stage, with labels",
            "`hubspot_fdw.property_options` lists every dropdown's values and labels, in HubSpot's order.",
            """SELECT o.label AS lifecycle_stage, count(c.id) AS contacts
  FROM hubspot_fdw.property_options o
  LEFT JOIN hubspot.contacts c ON c.lifecyclestage = o.value
 WHERE o.foreign_table = 'hubspot.contacts'::regclass AND o.column_name = 'lifecyclestage'
 GROUP BY o.label, o.display_order
 ORDER BY o.display_order;"""),
    Example("Lifecycle funnel: contacts that ever reached each stage",
            "`contacts_property_history` keeps every lifecycle stage a contact passed through, so a "
            "contact now a customer also counts as a lead and an opportunity it once was.",
            """SELECT o.label AS lifecycle_stage, count(DISTINCT h.contact_id) AS reached,
       round(100.0 * count(DISTINCT h.contact_id)
             / nullif(max(count(DISTINCT h.contact_id)) OVER (), 0)) AS pct_of_top
  FROM hubspot_fdw.property_options o
  LEFT JOIN hubspot.contacts_property_history h
    ON h.property = 'lifecyclestage' AND h.value = o.value
 WHERE o.foreign_table = 'hubspot.contacts'::regclass AND o.column_name = 'lifecyclestage'
 GROUP BY o.label, o.display_order
 ORDER BY o.display_order;"""),
    Example("Open tickets by priority and status",
            "Ticket statuses are the stages of the ticket pipelines.",
            """SELECT t.hs_ticket_priority AS priority, s.label AS status, count(*) AS tickets
  FROM hubspot.tickets t
  JOIN hubspot.pipeline_stages s
    ON s.object_type = 'tickets' AND s.pipeline_id = t.hs_pipeline AND s.id = t.hs_pipeline_stage
 WHERE s.metadata ->> 'ticketState' = 'OPEN'
 GROUP BY 1, 2
 ORDER BY 1, 2;"""),
    Example("The largest open deals, with their company and owner",
            "The association label \"Primary\" marks a deal's main company.",
            f"""SELECT d.dealname, d.amount, s.label AS stage, co.name AS company,
       o.first_name || ' ' || o.last_name AS owner
  FROM hubspot.deals d
  {STAGE_JOIN}
  LEFT JOIN hubspot.associations_company_deal cd ON cd.deal_id = d.id AND 'Primary' = ANY (cd.labels)
  LEFT JOIN hubspot.companies co ON co.id = cd.company_id
  LEFT JOIN hubspot.owners o ON o.id = d.hubspot_owner_id
 WHERE NOT d.hs_is_closed AND d.amount IS NOT NULL
 ORDER BY d.amount DESC
 LIMIT 5;"""),
    Example("Who works where, with the association labels",
            "`labels` holds the association's labels (\"Primary\" and the portal's own); "
            "an unlabeled association has none.",
            """SELECT co.name AS company, c.firstname || ' ' || c.lastname AS contact, c.jobtitle, a.labels
  FROM hubspot.associations_company_contact a
  JOIN hubspot.companies co ON co.id = a.company_id
  JOIN hubspot.contacts c ON c.id = a.contact_id
 WHERE cardinality(a.labels) > 0
 ORDER BY co.name, contact
 LIMIT 10;"""),
    Example("New contacts per quarter, last two years",
            "`created_at` is when the record was created in HubSpot.",
            """SELECT date_trunc('quarter', created_at)::date AS quarter, count(*) AS new_contacts
  FROM hubspot.contacts
 WHERE created_at >= date_trunc('quarter', now()) - interval '2 years'
 GROUP BY 1
 ORDER BY 1;"""),
    Example("Companies with the most contacts",
            "Any association counts, labeled or not.",
            """SELECT co.name, co.country, count(*) AS contacts
  FROM hubspot.companies co
  JOIN hubspot.associations_company_contact a ON a.company_id = co.id
 GROUP BY co.id, co.name, co.country
 ORDER BY contacts DESC, co.name
 LIMIT 5;"""),
)

SIZES = dict(contacts=400, companies=40, deals=150, tickets=40, calls=150, emails=150, meetings=100,
             notes=150, tasks=20, owners=5)


def render(outputs: Sequence[str]) -> str:
    out = ["# Examples", "",
           "Everyday questions, answered in SQL over the imported schema `hubspot` (after "
           "`IMPORT FOREIGN SCHEMA hubspot FROM SERVER hubspot INTO hubspot`). The output is what psql "
           "printed against the local simulator, a seeded portal, after one sync pass; your portal's "
           "figures differ. Labels: [tables.md](tables.md) says which table holds which ids.", ""]
    out += [f"{i}. [{e.title}](#{i})" for i, e in enumerate(EXAMPLES, 1)] + [""]
    for i, (example, output) in enumerate(zip(EXAMPLES, outputs), 1):
        out += [f'<a id="{i}"></a>', f"## {i}. {example.title}", "", example.note, "",
                "```sql", example.sql, "```", "", "```", output.rstrip("\n"), "```", ""]
    out += ["Generated by `python -m hubspot_fdw.devtools.examples docs/examples.md`."]
    return "\n".join(out) + "\n"


def capture(target: Path) -> None:
    from hubspot_fdw.devtools.throwaway_pg import PG_BIN, ThrowawayPostgres
    from hubspot_fdw.simulator.process import start_simulator

    import psycopg2

    with start_simulator(seed=7, no_limits=True, index_lag_ms=0, time_zone="UTC", **SIZES) as sim, \
            ThrowawayPostgres() as pg:
        with psycopg2.connect(pg.dsn) as conn, conn.cursor() as cur:
            cur.execute("CREATE EXTENSION hubspot_fdw")
            cur.execute("CREATE SERVER hubspot FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url %s)", (sim.base_url,))
            cur.execute("CREATE USER MAPPING FOR CURRENT_USER SERVER hubspot OPTIONS (access_token %s)", (sim.token,))
            cur.execute("CREATE SCHEMA hubspot; IMPORT FOREIGN SCHEMA hubspot FROM SERVER hubspot INTO hubspot")
        subprocess.run([sys.executable, "-m", "hubspot_fdw.cli", "sync", "--dsn", pg.dsn, "--server", "hubspot",
                        "--once", "--no-budget", "--progress", "off"], check=True, stderr=subprocess.DEVNULL)
        outputs = []
        for example in EXAMPLES:
            result = subprocess.run([str(PG_BIN / "psql"), "-X", "-q", "-P", "pager=off", "-v", "ON_ERROR_STOP=1",
                                     "-d", pg.dsn, "-c", example.sql], capture_output=True, text=True, timeout=300,
                                    env=dict(os.environ, PGTZ="UTC"))
            if result.returncode != 0:
                raise SystemExit(f"{example.title}: {result.stderr}")
            outputs.append(result.stdout)
    target.write_text(render(outputs))


if __name__ == "__main__":
    from hubspot_fdw.devtools.throwaway_pg import run_as_postgres
    run_as_postgres()
    capture(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/examples.md").resolve())
