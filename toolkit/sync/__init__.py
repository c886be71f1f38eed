"""Session-log sync: one protocol for phones, hubs and unsent-logs files (DESIGN.md "Sync protocol").

Each concern in its own module; import from the module itself (there is no re-export here):
- record.py: the record's fields and every limit of the protocol, the formats of ids and times,
  the content hash;
- validation.py: `validate_record`, one small check per field;
- rules.py: what a record may name on this server (`SyncRules` from the library and config);
- messages.py: what sync tells a phone (field errors, whole-request problems), as msgids;
- batch.py: a request body as a batch of records, or `BadBatch`;
- ingest.py: `ingest` — validate a batch and store it in one transaction (created, updated,
  unchanged, stale, conflict), who sent it (`Sender`), what a hub may relay (`HubScope`);
- conflicts.py: a coordinator resolving a conflict or stale edit;
- files.py: a coordinator importing a phone's unsent-logs file.

No module here needs a Flask app: the API, the coordinator's views, the demo data and the tests
call them directly.
"""
