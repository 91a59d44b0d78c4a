"""Drives the API through a client generated from its OpenAPI document (see generated-client.sh).

Only the generated package is used for requests: if the document does not describe an operation
well enough for a generator, this fails.
"""

import datetime
import io
import os
import struct
import sys
import uuid
import zlib

from registry_client import AuthenticatedClient, Client
from registry_client.api.reference_data import create_category, create_center, create_pi
from registry_client.api.submissions import create_submission, get_submission, update_submission
from registry_client.models import (
    CategoryCreate,
    CategoryOut,
    CreatedSubmission,
    ErrorEnvelope,
    PiCreate,
    PiOut,
    ServiceCenterCreate,
    ServiceCenterOut,
    SubmissionCreate,
    SubmissionCreateKpiMonitoring,
    SubmissionPatch,
    SubmissionPatchForm,
    SubmissionView,
)
from registry_client.types import File

BASE = os.environ["BASE"]
ADMIN_KEY = os.environ["ADMIN_KEY"]


def expect(response, status, model):
    """The parsed body of a response that must have `status` and parse as `model`."""
    if response.status_code != status or not isinstance(response.parsed, model):
        body = response.content.decode("utf-8", "replace")
        sys.exit(f"expected {status} {model.__name__}, got {response.status_code}: {body}")
    return response.parsed


admin = AuthenticatedClient(base_url=BASE, token=ADMIN_KEY, prefix="AdminKey", raise_on_unexpected_status=True)
anonymous = Client(base_url=BASE, raise_on_unexpected_status=True)
suffix = uuid.uuid4().hex[:8]

category = expect(
    create_category.sync_detailed(client=admin, body=CategoryCreate(name=f"Generated client {suffix}")),
    201,
    CategoryOut,
)
center = expect(
    create_center.sync_detailed(
        client=admin,
        body=ServiceCenterCreate(
            short_name=f"GC-{suffix}", full_name="Generated Client Centre", website="https://example.org/"
        ),
    ),
    201,
    ServiceCenterOut,
)
pi = expect(
    create_pi.sync_detailed(
        client=admin, body=PiCreate(last_name="Lovelace", first_name="Ada", orcid="0000-0002-1825-0097")
    ),
    201,
    PiOut,
)
print(f"reference data: category {category.id}, centre {center.id}, PI {pi.id}")

# A refused body comes back as the documented error envelope, with field details.
refused = create_submission.sync_detailed(
    client=anonymous,
    body=SubmissionCreate(
        date_of_entry=datetime.date.today(),
        service_name="X",
        service_description="too short",
        year_established=1800,
        service_category_ids=[category.id],
        publications_pmids="34848984",
        responsible_pi_ids=[uuid.UUID(str(pi.id))],
        host_institute="Example Institute",
        service_center_id=uuid.UUID(str(center.id)),
        public_contact_email="help@example.org",
        internal_contact_name="Grace Hopper",
        internal_contact_email="internal@example.org",
        website_url="https://example.org",
        terms_of_use_url="https://example.org/terms",
        kpi_monitoring=SubmissionCreateKpiMonitoring.PLANNED,
        data_protection_consent=True,
        licenses=["MIT"],
    ),
)
envelope = expect(refused, 400, ErrorEnvelope)
details = envelope.error.details.to_dict()
assert envelope.error.code == "validation_error", envelope.error.code
assert {"service_name", "service_description", "year_established"} <= set(details), details
print(f"invalid create refused with {sorted(details)}")

body = SubmissionCreate(
    date_of_entry=datetime.date.today(),
    service_name=f"Generated Client Service {suffix}",
    service_description="A service registered by a client generated from the registry's OpenAPI document.",
    year_established=2020,
    service_category_ids=[category.id],
    publications_pmids="34848984, 10.1093/nar/gkab1000",
    responsible_pi_ids=[uuid.UUID(str(pi.id))],
    host_institute="Example Institute",
    service_center_id=uuid.UUID(str(center.id)),
    public_contact_email="help@example.org",
    internal_contact_name="Grace Hopper",
    internal_contact_email="internal@example.org",
    website_url="https://example.org",
    terms_of_use_url="https://example.org/terms",
    kpi_monitoring=SubmissionCreateKpiMonitoring.YES,
    kpi_start_year="2021",
    licenses=["MIT"],
    github_url="https://github.com/example/tool",
    data_protection_consent=True,
)
created = expect(create_submission.sync_detailed(client=anonymous, body=body), 201, CreatedSubmission)
assert created.api_key, "no api_key in the create response"
assert created.service_name == body.service_name
assert created.status == "submitted", created.status
assert [c.id for c in created.service_categories] == [category.id]
assert "internal_contact_email" not in created.additional_properties
print(f"created submission {created.id}")

owner = AuthenticatedClient(base_url=BASE, token=created.api_key, prefix="ApiKey", raise_on_unexpected_status=True)
read = expect(get_submission.sync_detailed(client=owner, id=created.id), 200, SubmissionView)
assert read.id == created.id
assert read.service_name == body.service_name
assert read.github_url == "https://github.com/example/tool"
assert read.service_center is not None and str(read.service_center.id) == str(center.id)
assert "internal_contact_name" not in read.additional_properties
print("read it back with its own key")

patched = expect(
    update_submission.sync_detailed(
        client=owner,
        id=created.id,
        body=SubmissionPatch(service_name=f"Renamed Service {suffix}", comments="Patched by the generated client."),
    ),
    200,
    SubmissionView,
)
assert patched.service_name == f"Renamed Service {suffix}", patched.service_name
assert patched.comments == "Patched by the generated client."
again = expect(get_submission.sync_detailed(client=owner, id=created.id), 200, SubmissionView)
assert again.service_name == patched.service_name
print("patched it; the change is stored")



def png(width=8, height=8):
    """A small valid PNG (grey square), built without any imaging library."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


# The multipart body: a logo file and a text field.
with_logo = expect(
    update_submission.sync_detailed(
        client=owner,
        id=created.id,
        body=SubmissionPatchForm(
            logo=File(payload=io.BytesIO(png()), file_name="logo.png", mime_type="image/png"),
            keywords_seo="proteomics",
        ),
    ),
    200,
    SubmissionView,
)
assert isinstance(with_logo.logo_url, str) and with_logo.logo_url.endswith(".png"), with_logo.logo_url
assert with_logo.keywords_seo == "proteomics"
print("patched it as multipart with a logo")

# Someone else's key (here: none) gets the documented 403 envelope.
denied = get_submission.sync_detailed(client=anonymous, id=created.id)
assert denied.status_code == 403 and isinstance(denied.parsed, ErrorEnvelope), denied.status_code
print("generated client: OK")
