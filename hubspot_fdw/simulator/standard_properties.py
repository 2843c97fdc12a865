"""The HubSpot-defined property sets of the standard object types and the seeded
custom objects (a realistic subset: every type/fieldType combination appears).

Data only; serialization and lookup live in properties.py. Owner, pipeline and stage
properties list no options (externalOptions, as on real portals): portal.py answers
their values from owners.py / pipelines.py.
"""

from __future__ import annotations

from hubspot_fdw.simulator import later_types
from hubspot_fdw.simulator.properties import Spec, opts

LIFECYCLE = opts("subscriber:Subscriber", "lead:Lead", "marketingqualifiedlead:Marketing Qualified Lead",
                 "salesqualifiedlead:Sales Qualified Lead", "opportunity:Opportunity",
                 "customer:Customer", "evangelist:Evangelist", "other:Other")
LEAD_STATUS = opts("NEW:New", "OPEN:Open", "IN_PROGRESS:In Progress", "OPEN_DEAL:Open Deal",
                   "UNQUALIFIED:Unqualified", "ATTEMPTED_TO_CONTACT:Attempted to Contact",
                   "CONNECTED:Connected", "BAD_TIMING:Bad Timing")
BUYING_ROLE = opts("BLOCKER:Blocker", "BUDGET_HOLDER:Budget Holder", "CHAMPION:Champion",
                   "DECISION_MAKER:Decision Maker", "END_USER:End User",
                   "EXECUTIVE_SPONSOR:Executive Sponsor", "INFLUENCER:Influencer",
                   "LEGAL_AND_COMPLIANCE:Legal & Compliance", "OTHER:Other")
TRUE_FALSE = opts("true:Yes", "false:No")
INDUSTRY = opts("ACCOUNTING:Accounting", "AIRLINES_AVIATION:Airlines/Aviation",
                "BANKING:Banking", "BIOTECHNOLOGY:Biotechnology", "COMPUTER_SOFTWARE:Computer Software",
                "CONSTRUCTION:Construction", "EDUCATION_MANAGEMENT:Education Management",
                "FOOD_BEVERAGES:Food & Beverages", "HOSPITAL_HEALTH_CARE:Hospital & Health Care",
                "INFORMATION_TECHNOLOGY_AND_SERVICES:Information Technology and Services",
                "INSURANCE:Insurance", "RETAIL:Retail", "TELECOMMUNICATIONS:Telecommunications")
COMPANY_TYPE = opts("PROSPECT:Prospect", "PARTNER:Partner", "RESELLER:Reseller",
                    "VENDOR:Vendor", "OTHER:Other")
DEAL_TYPE = opts("newbusiness:New Business", "existingbusiness:Existing Business")
PRIORITY = opts("LOW:Low", "MEDIUM:Medium", "HIGH:High", "URGENT:Urgent")
TICKET_CATEGORY = opts("PRODUCT_ISSUE:Product issue", "BILLING_ISSUE:Billing issue",
                       "FEATURE_REQUEST:Feature request", "GENERAL_INQUIRY:General inquiry")
QUOTE_STATUS = opts("DRAFT:Draft", "APPROVAL_NOT_NEEDED:Approval not needed",
                    "PENDING_APPROVAL:Pending approval", "APPROVED:Approved", "REJECTED:Rejected")
CALL_DIRECTION = opts("INBOUND:Inbound", "OUTBOUND:Outbound")
CALL_STATUS = opts("BUSY:Busy", "CALLING_CRM_USER:Calling CRM user", "CANCELED:Canceled",
                   "COMPLETED:Completed", "CONNECTING:Connecting", "FAILED:Failed",
                   "IN_PROGRESS:In progress", "NO_ANSWER:No answer", "QUEUED:Queued",
                   "RINGING:Ringing")
EMAIL_DIRECTION = opts("EMAIL:Sent", "INCOMING_EMAIL:Reply", "FORWARDED_EMAIL:Forwarded")
MEETING_OUTCOME = opts("SCHEDULED:Scheduled", "COMPLETED:Completed", "RESCHEDULED:Rescheduled",
                       "NO_SHOW:No show", "CANCELED:Canceled")
TASK_STATUS = opts("NOT_STARTED:Not started", "IN_PROGRESS:In progress", "WAITING:Waiting",
                   "COMPLETED:Completed", "DEFERRED:Deferred")
TASK_TYPE = opts("CALL:Call", "EMAIL:Email", "TODO:To-do")
CHANNEL = opts("SMS:SMS", "WHATS_APP:WhatsApp", "LINKEDIN_MESSAGE:LinkedIn message")
CAR_MAKE = opts("ford:Ford", "toyota:Toyota", "volkswagen:Volkswagen", "tesla:Tesla",
                "renault:Renault", "honda:Honda")
CAR_FEATURES = opts("sunroof:Sunroof", "heated_seats:Heated seats", "tow_hitch:Tow hitch",
                    "navigation:Navigation", "awd:All-wheel drive")
REQUEST_STATUS = opts("open:Open", "scheduled:Scheduled", "in_service:In service",
                      "done:Done")

def common(type_, create_prop: str, modified_prop: str, mergeable: bool,
           owner: bool = True) -> list[Spec]:
    out: list[Spec] = [
        ("hs_object_id", "number", "number", "Record ID", "ro", []),
        (create_prop, "datetime", "date", "Create Date", "ro", []),
        (modified_prop, "datetime", "date", "Last Modified Date", "ro", []),
        ("hs_object_source", "string", "text", "Record source", "ro", []),
    ]
    if owner:
        out.append(("hubspot_owner_id", "enumeration", "select", "Owner", "owner", []))
    if mergeable:
        out.append(("hs_merged_object_ids", "enumeration", "checkbox", "Merged record IDs", "ro", []))
    return out


SPECS: dict[str, list[Spec]] = {
    "contacts": [
        ("firstname", "string", "text", "First Name", "", []),
        ("lastname", "string", "text", "Last Name", "", []),
        ("email", "string", "text", "Email", "uniq", []),
        ("phone", "string", "phonenumber", "Phone Number", "", []),
        ("mobilephone", "string", "phonenumber", "Mobile Phone Number", "", []),
        ("company", "string", "text", "Company Name", "", []),
        ("jobtitle", "string", "text", "Job Title", "", []),
        ("city", "string", "text", "City", "", []),
        ("country", "string", "text", "Country/Region", "", []),
        ("website", "string", "text", "Website URL", "", []),
        ("lifecyclestage", "enumeration", "radio", "Lifecycle Stage", "", LIFECYCLE),
        ("hs_lead_status", "enumeration", "radio", "Lead Status", "", LEAD_STATUS),
        ("hs_buying_role", "enumeration", "checkbox", "Buying Role", "", BUYING_ROLE),
        ("date_of_birth", "date", "date", "Date of birth", "", []),
        ("annualrevenue", "number", "number", "Annual Revenue", "", []),
        ("hs_email_optout", "bool", "booleancheckbox", "Unsubscribed from all email", "", TRUE_FALSE),
        ("notes_last_contacted", "datetime", "date", "Last Contacted", "ro", []),
        ("num_associated_deals", "number", "number", "Number of Associated Deals", "calc", []),
        ("hs_additional_emails", "enumeration", "checkbox", "Additional email addresses", "ro", []),
    ],
    "companies": [
        ("name", "string", "text", "Company name", "", []),
        ("domain", "string", "text", "Company Domain Name", "", []),
        ("website", "string", "text", "Website URL", "", []),
        ("phone", "string", "phonenumber", "Phone Number", "", []),
        ("industry", "enumeration", "select", "Industry", "", INDUSTRY),
        ("type", "enumeration", "select", "Type", "", COMPANY_TYPE),
        ("numberofemployees", "number", "number", "Number of Employees", "", []),
        ("annualrevenue", "number", "number", "Annual Revenue", "", []),
        ("city", "string", "text", "City", "", []),
        ("country", "string", "text", "Country/Region", "", []),
        ("founded_year", "string", "text", "Year Founded", "", []),
        ("lifecyclestage", "enumeration", "radio", "Lifecycle Stage", "", LIFECYCLE),
        ("is_public", "bool", "booleancheckbox", "Is Public", "", TRUE_FALSE),
        ("num_associated_contacts", "number", "number", "Number of Associated Contacts", "calc", []),
        ("description", "string", "textarea", "Description", "", []),
    ],
    "deals": [
        ("dealname", "string", "text", "Deal Name", "", []),
        ("amount", "number", "number", "Amount", "", []),
        ("closedate", "datetime", "date", "Close Date", "", []),
        ("pipeline", "enumeration", "select", "Pipeline", "ext", []),
        ("dealstage", "enumeration", "radio", "Deal Stage", "ext", []),
        ("dealtype", "enumeration", "radio", "Deal Type", "", DEAL_TYPE),
        ("description", "string", "textarea", "Deal Description", "", []),
        ("hs_priority", "enumeration", "select", "Priority", "", opts("low:Low", "medium:Medium", "high:High")),
        ("hs_is_closed", "bool", "booleancheckbox", "Is Deal Closed?", "calc", TRUE_FALSE),
        ("hs_deal_stage_probability", "number", "number", "Deal Stage Probability", "calc", []),
    ],
    "tickets": [
        ("subject", "string", "text", "Ticket name", "", []),
        ("content", "string", "textarea", "Ticket description", "", []),
        ("hs_pipeline", "enumeration", "select", "Pipeline", "ext", []),
        ("hs_pipeline_stage", "enumeration", "select", "Ticket status", "ext", []),
        ("hs_ticket_priority", "enumeration", "select", "Priority", "", PRIORITY),
        ("hs_ticket_category", "enumeration", "checkbox", "Category", "", TICKET_CATEGORY),
        ("hs_ticket_id", "number", "number", "Ticket ID", "ro", []),
        ("time_to_close", "number", "number", "Time to close", "calc", []),
    ],
    "products": [
        ("name", "string", "text", "Name", "", []),
        ("description", "string", "textarea", "Description", "", []),
        ("price", "number", "number", "Unit price", "", []),
        ("hs_sku", "string", "text", "SKU", "", []),
        ("hs_cost_of_goods_sold", "number", "number", "Unit cost", "", []),
        ("hs_recurring_billing_period", "string", "text", "Term", "", []),
    ],
    "line_items": [
        ("name", "string", "text", "Name", "", []),
        ("quantity", "number", "number", "Quantity", "", []),
        ("price", "number", "number", "Unit price", "", []),
        ("amount", "number", "number", "Net price", "calc", []),
        ("hs_product_id", "number", "number", "Product ID", "", []),
        ("discount", "number", "number", "Unit discount", "", []),
    ],
    "quotes": [
        ("hs_title", "string", "text", "Quote Name", "", []),
        ("hs_expiration_date", "date", "date", "Quote Expiration Date", "", []),
        ("hs_status", "enumeration", "select", "Quote approval status", "", QUOTE_STATUS),
        ("hs_public_url_key", "string", "text", "Public URL key", "ro", []),
        ("hs_currency", "string", "text", "Currency", "", []),
    ],
    "communications": [
        ("hs_timestamp", "datetime", "date", "Activity date", "", []),
        ("hs_communication_channel_type", "enumeration", "select", "Channel type", "", CHANNEL),
        ("hs_communication_logged_from", "string", "text", "Logged from", "", []),
        ("hs_communication_body", "string", "textarea", "Body", "", []),
    ],
    "tasks": [
        ("hs_timestamp", "datetime", "date", "Due date", "", []),
        ("hs_task_subject", "string", "text", "Task Title", "", []),
        ("hs_task_body", "string", "textarea", "Notes", "", []),
        ("hs_task_status", "enumeration", "select", "Task Status", "", TASK_STATUS),
        ("hs_task_priority", "enumeration", "select", "Priority", "", opts("LOW:Low", "MEDIUM:Medium", "HIGH:High")),
        ("hs_task_type", "enumeration", "select", "Task Type", "", TASK_TYPE),
    ],
    "notes": [
        ("hs_timestamp", "datetime", "date", "Activity date", "", []),
        ("hs_note_body", "string", "html", "Note body", "", []),
    ],
    "meetings": [
        ("hs_timestamp", "datetime", "date", "Activity date", "", []),
        ("hs_meeting_title", "string", "text", "Meeting name", "", []),
        ("hs_meeting_body", "string", "html", "Meeting description", "", []),
        ("hs_meeting_start_time", "datetime", "date", "Start Time", "", []),
        ("hs_meeting_end_time", "datetime", "date", "End Time", "", []),
        ("hs_meeting_outcome", "enumeration", "select", "Meeting outcome", "", MEETING_OUTCOME),
    ],
    "calls": [
        ("hs_timestamp", "datetime", "date", "Activity date", "", []),
        ("hs_call_title", "string", "text", "Call Title", "", []),
        ("hs_call_body", "string", "html", "Call notes", "", []),
        ("hs_body_preview", "string", "text", "Body preview", "ro", []),
        ("hs_call_duration", "number", "number", "Call duration", "", []),
        ("hs_call_direction", "enumeration", "select", "Call direction", "", CALL_DIRECTION),
        ("hs_call_status", "enumeration", "select", "Call status", "", CALL_STATUS),
    ],
    "emails": [
        ("hs_timestamp", "datetime", "date", "Activity date", "", []),
        ("hs_email_subject", "string", "text", "Email subject", "", []),
        ("hs_email_text", "string", "textarea", "Email text", "", []),
        ("hs_email_direction", "enumeration", "select", "Email direction", "", EMAIL_DIRECTION),
    ],
    "postal_mail": [
        ("hs_timestamp", "datetime", "date", "Activity date", "", []),
        ("hs_postal_mail_body", "string", "textarea", "Body", "", []),
    ],
    "cars": [
        ("vin", "string", "text", "VIN", "uniq user", []),
        ("make", "enumeration", "select", "Make", "user", CAR_MAKE),
        ("model", "string", "text", "Model", "user", []),
        ("year", "number", "number", "Year", "user", []),
        ("price", "number", "number", "Price", "user", []),
        ("purchase_date", "date", "date", "Purchase date", "user", []),
        ("features", "enumeration", "checkbox", "Features", "user", CAR_FEATURES),
        ("is_electric", "bool", "booleancheckbox", "Electric", "user", TRUE_FALSE),
    ],
    "service_requests": [
        ("request_name", "string", "text", "Request name", "user", []),
        ("status", "enumeration", "select", "Status", "user", REQUEST_STATUS),
        ("scheduled_at", "datetime", "date", "Scheduled at", "user", []),
        ("estimate", "number", "number", "Estimate", "user", []),
        ("notes", "string", "textarea", "Notes", "user", []),
    ],
}
SPECS.update(later_types.SPECS)
