"""Portal presets (`--profile`): "default" (the compact portal) and "realistic".

"realistic" gives the shape of a portal in real use: hundreds of properties per
standard object. HubSpot's own ones are the definitions a real portal sent
(hubspot_facts.py: all of them for companies and deals; for contacts and tickets the
names real portals carry, defined as the facts define the same name elsewhere), then
the portal's custom ones of every type HubSpot allows and calculated ones, spread over
several groups; deals reach about 900 so that asking for all of them in a GET URL hits
the 414 limit. More deal and ticket pipelines, and more association labels, some of
them on seeded pairs. Seeded records carry values, in the formats real portals hold,
for about a quarter of the extra properties, drawn from (seed, record, property) like
every other seeded value.
Does not change record counts (the size flags do) and does not touch the default profile.
"""

from __future__ import annotations

from typing import Any, Callable

from hubspot_fdw.simulator.clock import iso_date, iso_ms
from hubspot_fdw.simulator.pipelines import CREATED_MS, Pipeline, Stage
from hubspot_fdw.simulator import hubspot_facts
from hubspot_fdw.simulator.properties import PropertyCatalog, PropertyDef, Spec, opts
from hubspot_fdw.simulator.records import Record
from hubspot_fdw.simulator.seed import START_MS, mix

PROFILES = ("default", "realistic")
DAY = 86_400_000

# HubSpot-defined property names of a real portal (read-only analytics/engagement
# rollups, and editable sales/marketing fields), per object type.
_HS_COMMON_RO = (
    "hs_analytics_source", "hs_analytics_source_data_1", "hs_analytics_source_data_2",
    "hs_analytics_first_url", "hs_analytics_last_url", "hs_analytics_first_referrer",
    "hs_analytics_last_referrer", "hs_analytics_num_visits", "hs_analytics_num_page_views",
    "hs_analytics_num_event_completions", "hs_analytics_first_timestamp", "hs_analytics_last_timestamp",
    "hs_analytics_first_visit_timestamp", "hs_analytics_last_visit_timestamp", "hs_latest_source",
    "hs_latest_source_data_1", "hs_latest_source_data_2", "hs_latest_source_timestamp",
    "notes_last_updated", "notes_next_activity_date", "num_notes", "num_contacted_notes",
    "hs_last_sales_activity_timestamp", "hs_last_sales_activity_type", "hs_last_booked_meeting_date",
    "hs_last_logged_call_date", "hs_last_open_task_date", "hs_latest_meeting_activity",
    "hs_num_open_deals", "hs_time_in_lead", "hs_time_in_opportunity", "hs_time_in_customer",
    "hs_created_by_user_id", "hs_updated_by_user_id", "hs_all_owner_ids", "hs_all_team_ids",
    "hs_all_accessible_team_ids", "hs_user_ids_of_all_owners", "hs_pinned_engagement_id",
    "hs_was_imported", "hs_unique_creation_key", "hs_object_source_id", "hs_object_source_label",
    "hs_object_source_user_id", "hs_object_source_detail_1", "hs_object_source_detail_2",
    "hs_object_source_detail_3", "hs_read_only", "hs_shared_team_ids", "hs_shared_user_ids",
)
_HS_CONTACT = (
    "hs_email_open", "hs_email_click", "hs_email_bounce", "hs_email_delivered", "hs_email_first_send_date",
    "hs_email_last_send_date", "hs_email_first_open_date", "hs_email_last_open_date",
    "hs_email_first_click_date", "hs_email_last_click_date", "hs_email_last_email_name",
    "hs_email_sends_since_last_engagement", "hs_email_quarantined", "hs_email_hard_bounce_reason",
    "hs_emailconfirmationstatus", "hs_email_domain", "hs_sales_email_last_opened",
    "hs_sales_email_last_clicked", "hs_sales_email_last_replied", "hs_sequences_is_enrolled",
    "hs_sequences_enrolled_count", "hs_sequences_actively_enrolled_count", "hs_social_facebook_clicks",
    "hs_social_linkedin_clicks", "hs_social_twitter_clicks", "hs_social_num_broadcast_clicks",
    "hs_social_last_engagement", "hs_lifecyclestage_lead_date", "hs_lifecyclestage_subscriber_date",
    "hs_lifecyclestage_customer_date", "hs_lifecyclestage_opportunity_date",
    "hs_lifecyclestage_marketingqualifiedlead_date", "hs_lifecyclestage_salesqualifiedlead_date",
    "hs_lifecyclestage_evangelist_date", "hs_lifecyclestage_other_date", "hs_date_entered_lead",
    "hs_date_exited_lead", "hs_date_entered_customer", "hs_date_exited_customer", "first_conversion_date",
    "first_conversion_event_name", "recent_conversion_date", "recent_conversion_event_name",
    "num_conversion_events", "num_unique_conversion_events", "hs_predictivecontactscore_v2",
    "hs_predictivescoringtier", "hs_lead_score", "hubspotscore", "hs_ip_timezone", "ip_city",
    "ip_country", "ip_country_code", "ip_state", "ip_state_code", "hs_language", "hs_persona",
    "hs_marketable_status", "hs_marketable_reason_type", "hs_marketable_until_renewal",
    "hs_document_last_revisited", "hs_facebook_click_id", "hs_google_click_id", "hs_linkedin_ad_clicked",
    "hs_first_engagement_object_id", "hs_first_outreach_date", "hs_first_subscription_create_date",
    "hs_calculated_phone_number", "hs_calculated_mobile_number", "hs_calculated_phone_number_country_code",
    "hs_calculated_form_submissions", "hs_calculated_merged_vids", "hs_count_is_worked",
    "hs_count_is_unworked", "hs_time_to_first_engagement", "hs_time_between_contact_creation_and_deal_creation",
    "currentlyinworkflow", "associatedcompanyid", "associatedcompanylastupdated", "hs_avatar_filemanager_key",
    "hs_content_membership_status", "hs_registration_method", "hs_registered_member",
)
_EDITABLE = {
    "contacts": ("address", "state", "zip", "fax", "salutation", "industry", "seniority", "degree",
                 "field_of_study", "school", "graduation_date", "job_function", "work_email", "twitterhandle",
                 "linkedinbio", "hs_linkedinid", "hs_facebookid", "hs_googleplusid", "message", "marital_status",
                 "military_status", "relationship_status", "gender", "hs_timezone", "hs_whatsapp_phone_number",
                 "hs_buying_role_notes", "hs_content_membership_notes", "hs_legal_basis",
                 "hs_preferred_contact_method", "numemployees", "owneremail", "ownername", "total_revenue",
                 "hs_job_change_detected_date", "hs_inferred_language_codes"),
    "companies": ("address", "address2", "state", "zip", "timezone", "linkedin_company_page",
                  "facebook_company_page", "twitterhandle", "googleplus_page", "linkedinbio", "total_money_raised",
                  "web_technologies", "hs_ideal_customer_profile", "hs_is_target_account", "hs_target_account",
                  "hs_parent_company_id", "hs_num_child_companies", "hs_num_blockers", "hs_num_decision_makers",
                  "hs_num_contacts_with_buying_roles", "total_revenue", "recent_deal_amount", "recent_deal_close_date",
                  "first_deal_created_date", "hs_annual_revenue_currency_code", "hs_country_code",
                  "hs_employee_range", "hs_revenue_range", "hs_industry_group", "hs_logo_url", "hs_keywords"),
    "deals": ("deal_currency_code", "hs_acv", "hs_arr", "hs_mrr", "hs_tcv", "hs_forecast_amount",
              "hs_forecast_probability", "hs_manual_forecast_category", "hs_next_step", "closed_lost_reason",
              "closed_won_reason", "hs_closed_amount", "hs_closed_amount_in_home_currency", "hs_deal_score",
              "hs_likelihood_to_close", "hs_projected_amount", "hs_projected_amount_in_home_currency",
              "hs_days_to_close", "hs_date_entered_closedwon", "hs_date_exited_closedwon", "hs_date_entered_closedlost",
              "hs_date_exited_closedlost", "hs_time_in_closedwon", "hs_time_in_closedlost", "hs_deal_stage_probability_shadow",
              "hs_is_closed_won", "hs_is_deal_split", "hs_line_item_global_term_hs_recurring_billing_period",
              "hs_num_associated_deal_splits", "hs_num_of_associated_line_items", "hs_priority_notes",
              "amount_in_home_currency", "days_to_close", "dealtype_notes", "engagements_last_meeting_booked",
              "engagements_last_meeting_booked_campaign", "engagements_last_meeting_booked_medium",
              "engagements_last_meeting_booked_source", "hs_campaign", "hs_exchange_rate"),
    "tickets": ("source_type", "hs_resolution", "hs_ticket_reopened_at", "hs_feedback_last_ces_rating",
                "hs_feedback_last_nps_rating", "hs_feedback_last_csat_rating", "first_agent_reply_date",
                "last_reply_date", "closed_date", "hs_first_agent_message_sent_at", "hs_last_message_received_at",
                "hs_last_message_sent_at", "hs_nextactivitydate", "hs_num_times_contacted", "hs_originating_channel_instance_id",
                "hs_originating_email_engagement_id", "hs_originating_generic_channel_id", "hs_sales_email_last_replied",
                "hs_tag_ids", "hs_thread_ids_to_restore", "hs_time_to_close_sla_at", "hs_time_to_close_sla_status",
                "hs_time_to_first_response_sla_at", "hs_time_to_first_response_sla_status", "time_to_first_agent_reply"),
}
# total property count per object type in the realistic profile (deals ~900: the 414 case)
TARGETS = {"contacts": 620, "companies": 420, "deals": 900, "tickets": 320}
# the portal's own properties: only type/fieldType pairs HubSpot produces for custom ones
KINDS = (("string", "text"), ("number", "number"), ("datetime", "date"), ("date", "date"),
         ("enumeration", "select"), ("enumeration", "checkbox"), ("bool", "booleancheckbox"),
         ("string", "textarea"), ("string", "phonenumber"), ("enumeration", "radio"))
CALC_KINDS = (("number", "calculation_equation"), ("bool", "calculation_equation"),
              ("string", "calculation_equation"), ("datetime", "calculation_equation"))
GROUPS = ("analyticsinformation", "emailinformation", "sales_properties", "marketing_properties",
          "custom_fields", "finance", "legacy_import")
CHOICES = opts("alpha:Alpha", "beta:Beta", "gamma:Gamma", "delta:Delta", "epsilon:Epsilon")
YES_NO = opts("true:Yes", "false:No")
UNSEEDED_TYPES = frozenset({"object_coordinates"})

EXTRA_LABELS = (  # from type, to type, key, label, inverse label
    ("contacts", "companies", "former_employee", "Former employee", "Former employer"),
    ("contacts", "companies", "decision_maker_co", "Decision maker", "Has decision maker"),
    ("deals", "companies", "reseller", "Reseller", "Resold deal"),
    ("contacts", "contacts", "referred_by", "Referred by", "Referred"),
    ("tickets", "contacts", "reporter", "Reporter", "Reported ticket"),
    ("deals", "contacts", "champion", "Champion", "Champion of"),
)
SEEDED_LABELS = ("former_employee", "decision_maker_co")   # also put on seeded contact→company pairs


def _label(name: str) -> str:
    return name.replace("hs_", "").replace("_", " ").strip().capitalize()


def _guessed(name: str) -> tuple[str, str]:
    """A HubSpot-defined property no recording shows: typed by its name, as HubSpot
    names them (…date/…timestamp: datetime; num_…/hs_num…/…count: number)."""
    if "date" in name or "timestamp" in name:
        ptype, ftype = "datetime", "date"
    elif name.startswith(("num_", "hs_num_", "hs_analytics_num", "hs_count", "hs_time_", "total_", "hs_acv",
                          "hs_arr", "hs_mrr", "hs_tcv", "amount")):
        ptype, ftype = "number", "number"
    else:
        ptype, ftype = "string", "text"
    return ptype, ftype


def hubspot_defined(type_name: str, singular: str, existing: set[str]) -> list[PropertyDef]:
    """HubSpot's own properties of a standard type in the realistic profile: for a type
    the facts cover, exactly the recorded definitions; for the others the names real
    portals carry, with the recorded definition wherever another type's facts know the
    name, else typed by name."""
    recorded = hubspot_facts.recorded_properties().get(type_name)
    if recorded is not None:
        return [PropertyDef.from_json(d) for d in recorded]
    known = hubspot_facts.by_name()
    out: list[PropertyDef] = []
    seen = set(existing)
    names = [(n, False) for n in _HS_COMMON_RO + (_HS_CONTACT if type_name == "contacts" else ())]
    names += [(n, True) for n in _EDITABLE.get(type_name, ())]
    for name, editable in names:
        if name in seen:
            continue
        seen.add(name)
        fact = known.get(name)
        if fact is not None:
            prop = PropertyDef.from_json(fact)
            if prop.group.endswith("information"):
                prop.group = f"{singular}information"
        else:
            ptype, ftype = _guessed(name)
            group = ("analyticsinformation" if "analytics" in name else "emailinformation" if "email" in name
                     else "sales_properties")
            prop = PropertyDef(name=name, label=_label(name), type=ptype, field_type=ftype, group=group,
                               read_only=not editable, form_field=editable and ptype == "string")
        out.append(prop)
    return out


def custom_specs(type_name: str, count: int) -> list[tuple[str, Spec]]:
    """(group, spec) of the portal's own properties: calculated ones, then every kind."""
    out: list[tuple[str, Spec]] = []
    for i in range(max(20, TARGETS[type_name] // 20)):
        ptype, ftype = CALC_KINDS[i % len(CALC_KINDS)]
        out.append(("sales_properties", (f"custom_{type_name[:-1]}_calc_{i:03d}", ptype, ftype,
                                         f"Calculated {i}", "calc user", [])))
    i = 0
    while len(out) < count:
        ptype, ftype = KINDS[i % len(KINDS)]
        options = CHOICES if ptype == "enumeration" else YES_NO if ptype == "bool" else []
        out.append((GROUPS[i % len(GROUPS)], (f"custom_{type_name[:-1]}_field_{i:03d}", ptype, ftype,
                                              _label(f"field_{i:03d}"), "user", options)))
        i += 1
    return out


def define_properties(catalog: PropertyCatalog, types: list[Any]) -> dict[str, list[str]]:
    """Add the profile's properties; returns type_id → names to give seeded values."""
    seeded: dict[str, list[str]] = {}
    for t in types:
        if t.name not in TARGETS:
            continue
        before = catalog.names(t.type_id)
        for prop in hubspot_defined(t.name, t.singular, before):
            catalog.put(t.type_id, prop)
        missing = TARGETS[t.name] - len(catalog.names(t.type_id))
        by_group: dict[str, list[Spec]] = {}
        for group, spec in custom_specs(t.name, missing):
            by_group.setdefault(group, []).append(spec)
        for group, group_specs in by_group.items():
            catalog.define(t.type_id, group, group_specs)
        seeded[t.type_id] = [p.name for p in catalog.all(t.type_id)
                             if p.name not in before and not p.calculated
                             and not p.field_type.startswith("calculation_") and p.type not in UNSEEDED_TYPES]
    return seeded


def add_pipelines(pipelines: dict[str, list[Pipeline]]) -> None:
    def deal(pid: str, label: str, order: int, stages: list[tuple[str, str, str]]) -> Pipeline:
        return Pipeline(pid, label, order, CREATED_MS, [
            Stage(sid, slabel, i, {"isClosed": "true" if p in ("0.0", "1.0") else "false", "probability": p},
                  CREATED_MS) for i, (sid, slabel, p) in enumerate(stages)])
    pipelines["0-3"] += [
        deal("enterprise", "Enterprise", 2, [("ent_discovery", "Discovery", "0.1"), ("ent_poc", "Proof of concept", "0.4"),
                                              ("ent_legal", "Legal review", "0.8"), ("ent_won", "Won", "1.0"),
                                              ("ent_lost", "Lost", "0.0")]),
        deal("partner", "Partner deals", 3, [("partner_reg", "Registered", "0.2"), ("partner_won", "Won", "1.0"),
                                              ("partner_lost", "Lost", "0.0")]),
        deal("upsell", "Upsell", 4, [("upsell_open", "Open", "0.3"), ("upsell_won", "Won", "1.0"),
                                      ("upsell_lost", "Lost", "0.0")]),
    ]
    pipelines["0-5"] += [
        Pipeline("onboarding", "Onboarding", 1, CREATED_MS, [
            Stage("onb_new", "New", 0, {"ticketState": "OPEN"}, CREATED_MS),
            Stage("onb_setup", "Setup", 1, {"ticketState": "OPEN"}, CREATED_MS),
            Stage("onb_done", "Done", 2, {"ticketState": "CLOSED"}, CREATED_MS)]),
        Pipeline("billing", "Billing", 2, CREATED_MS, [
            Stage("bill_new", "New", 0, {"ticketState": "OPEN"}, CREATED_MS),
            Stage("bill_closed", "Closed", 1, {"ticketState": "CLOSED"}, CREATED_MS)]),
    ]


def seeded_value(prop: Any, h: int) -> str | None:
    """A value in the formats real portals hold, or None (about three in four): numbers
    with up to five decimals (``293.68326``), epoch milliseconds in number properties
    named after a date, datetimes with and without milliseconds."""
    if h % 4:
        return None
    h >>= 2
    ms = START_MS + (h % (700 * DAY))
    if prop.type == "number":
        if "date" in prop.name or "timestamp" in prop.name:
            return str(ms)
        if h % 3 == 0:
            return f"{(h >> 8) % 1000}.{(h >> 20) % 100_000:05d}"
        return str((h >> 8) % 100_000)
    if prop.type == "datetime":
        return iso_ms(ms - ms % 1000) if h % 2 else iso_ms(ms - ms % 1000 + (h >> 40) % 999 + 1)
    if prop.type == "date":
        return iso_date(START_MS + (h % 700) * DAY)
    if prop.type == "bool":
        return "true" if h % 2 else "false"
    if prop.type == "enumeration":
        values = [o.value for o in prop.options if not o.hidden]
        if not values:
            return None
        if prop.multi:
            return ";".join(v for b, v in enumerate(values) if (h >> b) & 1) or values[0]
        return values[h % len(values)]
    if prop.field_type == "phonenumber":
        return f"+1 617-555-{h % 10_000:04d}"
    return f"{prop.name.split('_')[-1]}-{h % 10_000}"


def wrap_generator(generate: Callable[[Any, int], Record], catalog: PropertyCatalog,
                   seeded: dict[str, list[str]], seed: int) -> Callable[[Any, int], Record]:
    """The seeder's record function, plus values for the profile's extra properties."""
    def record(t: Any, idx: int) -> Record:
        rec = generate(t, idx)
        names = seeded.get(t.type_id)
        if names:
            base = mix(seed * 0x9E37 + idx * 0x100000001B3 + int.from_bytes(t.type_id.encode(), "big"))
            for j, name in enumerate(names):
                prop = catalog.get(t.type_id, name)
                if prop is not None and name not in rec.props:
                    v = seeded_value(prop, mix(base + j))
                    if v is not None:
                        rec.props[name] = v
        return rec
    return record


def seed_label_edges(portal: Any) -> None:
    """Put the SEEDED_LABELS on about one seeded contact→company pair in five."""
    reg = portal.registry
    a, b = portal.types.named("contacts").type_id, portal.types.named("companies").type_id
    defs = [reg.by_key(a, b, k) for k in SEEDED_LABELS]
    pairs = [(x, y) for x, row in portal.edges.out.get((a, b), {}).items() for y in row]
    for x, y in pairs:
        h = mix(x * 31 + y)
        if h % 5 == 0:
            d = defs[(h >> 8) % len(defs)]
            if d is not None:
                portal.edges.add_types(a, x, b, y, {d.type_id})
