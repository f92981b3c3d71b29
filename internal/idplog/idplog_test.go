package idplog

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/store"
)

func parseFile(t *testing.T, name, format string) ([]store.IDPEvent, error) {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []store.IDPEvent
	err = Parse(f, name, format, func(ev store.IDPEvent) error { out = append(out, ev); return nil })
	return out, err
}

func TestParseFixtures(t *testing.T) {
	type want struct {
		source, id, typ, subject, alt, client, ip, session, outcome string
		time                                                        string
	}
	cases := map[string][]want{
		"okta-system-log.json": {
			{"okta", "c3a7f0e2-1f7b-11f0-9d3b-0b8e4e0a5a11", "user.session.start", "00u1alice0EXAMPLE0x7", "alice@example.com", "", "198.51.100.23", "102bZDNFfWaQSyEZQuDgWt-uQ", "success", "2025-06-01T09:29:41.123Z"},
			{"okta", "c41d22b0-1f7b-11f0-9d3b-0b8e4e0a5a11", "app.oauth2.as.token.grant.access_token", "00u1alice0EXAMPLE0x7", "alice@example.com", "0oa1mcpclient0EXAMPLE", "198.51.100.23", "102bZDNFfWaQSyEZQuDgWt-uQ", "success", "2025-06-01T09:29:43.5Z"},
			{"okta", "c6f01a9c-1f7b-11f0-9d3b-0b8e4e0a5a11", "user.session.start", "unknown", "mallory@example.com", "", "203.0.113.77", "unknown", "failure", "2025-06-01T09:31:02.004Z"},
		},
		"okta-system-log.jsonl": {
			{"okta", "d1e2f3a4-2a7b-11f0-8f1e-6d5c4b3a2910", "user.authentication.auth_via_mfa", "00u1bob00EXAMPLE0x8", "bob@example.com", "", "192.0.2.44", "102Lk9qzPq3RZ2nXqv0Sx9bQw", "success", "2025-06-01T10:02:11Z"},
			{"okta", "d1e2f3a5-2a7b-11f0-8f1e-6d5c4b3a2910", "user.session.end", "00u1bob00EXAMPLE0x8", "bob@example.com", "", "192.0.2.44", "102Lk9qzPq3RZ2nXqv0Sx9bQw", "success", "2025-06-01T10:15:00.25Z"},
		},
		"keycloak-events.json": {
			{"keycloak", "5b6f2f5e-8c1a-4d3e-9f0a-1b2c3d4e5f60", "LOGIN", "f3c1a2b4-5d6e-4f70-8a9b-0c1d2e3f4a5b", "alice", "mcp-gateway", "198.51.100.23", "7c2d9e8f-1a3b-4c5d-8e7f-6a5b4c3d2e1f", "success", "2025-06-01T09:29:41.123Z"},
			{"keycloak", "sha256:", "CODE_TO_TOKEN", "f3c1a2b4-5d6e-4f70-8a9b-0c1d2e3f4a5b", "", "mcp-gateway", "198.51.100.23", "7c2d9e8f-1a3b-4c5d-8e7f-6a5b4c3d2e1f", "success", "2025-06-01T09:29:43.456Z"},
			{"keycloak", "8e9f0a1b-2c3d-4e5f-a6b7-c8d9e0f1a2b3", "LOGIN_ERROR", "", "mallory", "mcp-gateway", "203.0.113.77", "", "failure", "2025-06-01T09:31:02.004Z"},
		},
		"keycloak-admin-events.json": {
			{"keycloak-admin", "a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d", "ADMIN_UPDATE_USER", "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", "", "3f2e1d0c-b9a8-4776-8655-443322110099", "192.0.2.10", "", "success", "2025-06-01T09:33:20Z"},
		},
		"auth0-logs.json": {
			{"auth0", "90020250601092941123000000000000000000000000000000000001", "s", "auth0|56c75c4e42b6359e98374bc2", "alice@example.com", "AaiyAPdpYdesoKnqjj8HJqRn4T5titww", "198.51.100.23", "", "success", "2025-06-01T09:29:41.123Z"},
			{"auth0", "90020250601092942001000000000000000000000000000000000002", "seacft", "auth0|56c75c4e42b6359e98374bc2", "alice@example.com", "AaiyAPdpYdesoKnqjj8HJqRn4T5titww", "198.51.100.23", "", "success", "2025-06-01T09:29:42.001Z"},
			{"auth0", "90020250601093102004000000000000000000000000000000000003", "fp", "auth0|66d00000000000000000dead", "mallory@example.com", "AaiyAPdpYdesoKnqjj8HJqRn4T5titww", "203.0.113.77", "", "failure", "2025-06-01T09:31:02.004Z"},
		},
		"auth0-stream.jsonl": {
			{"auth0", "90020250601100000000000000000000000000000000000000000004", "slo", "auth0|56c75c4e42b6359e98374bc2", "alice@example.com", "AaiyAPdpYdesoKnqjj8HJqRn4T5titww", "198.51.100.23", "", "success", "2025-06-01T10:00:00Z"},
		},
	}
	for file, wants := range cases {
		evs, err := parseFile(t, file, FormatAuto)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if len(evs) != len(wants) {
			t.Fatalf("%s: %d records, want %d", file, len(evs), len(wants))
		}
		for i, w := range wants {
			e := evs[i]
			got := want{e.Source, e.ID, e.EventType, e.Subject, e.AlternateID, e.ClientID, e.IP, e.SessionID, e.Outcome, e.Time.Format(time.RFC3339Nano)}
			if w.id == "sha256:" && strings.HasPrefix(e.ID, "sha256:") && len(e.ID) == 71 {
				w.id = e.ID
			}
			if got != w {
				t.Errorf("%s[%d]:\n got %+v\nwant %+v", file, i, got, w)
			}
			if len(e.Data) == 0 || strings.ContainsAny(string(e.Data), "\n") {
				t.Errorf("%s[%d]: data not compact JSON: %s", file, i, e.Data)
			}
		}
	}
	// The stream delivery is stored as delivered, wrapper included.
	if evs, _ := parseFile(t, "auth0-stream.jsonl", FormatOIDC); len(evs) != 1 || !strings.HasPrefix(string(evs[0].Data), `{"log_id":`) {
		t.Fatalf("stream: %+v", evs)
	}
}

func TestParseFormatRestricts(t *testing.T) {
	if _, err := parseFile(t, "okta-system-log.json", FormatOIDC); err == nil || !strings.Contains(err.Error(), "okta-system-log.json:2: record 0: an Okta System Log event, but --format is oidc") {
		t.Fatalf("okta as oidc: %v", err)
	}
	if _, err := parseFile(t, "keycloak-events.json", FormatOkta); err == nil || !strings.Contains(err.Error(), "keycloak-events.json:2: record 0: not an Okta System Log event") {
		t.Fatalf("keycloak as okta: %v", err)
	}
	if evs, err := parseFile(t, "auth0-logs.json", FormatOIDC); err != nil || len(evs) != 3 {
		t.Fatalf("auth0 as oidc: %d %v", len(evs), err)
	}
	if err := Parse(strings.NewReader("[]"), "x", "splunk", nil); err == nil || !strings.Contains(err.Error(), "--format must be okta, oidc or auto") {
		t.Fatal(err)
	}
}

// TestParseErrors: each bad record is named by file, line and position;
// no good record is handed on once a bad one was seen.
func TestParseErrors(t *testing.T) {
	evs, err := parseFile(t, "bad.jsonl", FormatAuto)
	if err == nil {
		t.Fatal("bad.jsonl parsed")
	}
	msg := err.Error()
	for _, want := range []string{
		`bad.jsonl:2: record 1: Okta System Log event e2: published "yesterday" is not an RFC 3339 time`,
		`bad.jsonl:3: record 2: Keycloak event: time "soon" is not a positive number of milliseconds since 1970`,
		`bad.jsonl:5: record 3: not an Okta System Log event (uuid, published, eventType), a Keycloak event (time, type) or an Auth0 log event (log_id, date, type)`,
		`bad.jsonl:6: record 4: Okta System Log event: field actor.id: expected string, got JSON number`,
		`bad.jsonl:7: record 5: invalid JSON: unexpected EOF`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("missing %q in:\n%s", want, msg)
		}
	}
	if len(evs) != 1 {
		t.Errorf("records handed on: %d, want only the one before the first error", len(evs))
	}
	for src, want := range map[string]string{
		"":                  "x.json:1: empty file",
		"  \n\n  ":          "x.json:1: empty file",
		"\n\n\"hello\"":     `x.json:3: expected a JSON array of events or JSON objects (one per line), found '"'`,
		"[{\"uuid\":1}":     "x.json:1: record 0: Okta System Log event: field uuid: expected string, got JSON number",
		"[\n{\"a\":1},\n5]": "x.json:3: record 1: not a JSON object",
		"[\n]\n]":           "x.json:3: unexpected data after the array",
		"[\n{\"time\": 1748770181123, \"type\": \"LOGIN\"}\n":   "x.json:3: unterminated array",
		"{\"time\": -5, \"type\": \"LOGIN\"}":                   `x.json:1: record 0: Keycloak event: time -5 is not a positive number of milliseconds`,
		"{\"time\": 5, \"type\": \"\"}":                         "Keycloak event: type is missing",
		"{\"date\": \"2025-06-01T09:29:41Z\", \"type\": 7}":     "Auth0 log event: field type: expected string, got JSON number",
		"\xef\xbb\xbf{\"log_id\": \"1\", \"type\": \"s\"}":      "x.json:1: record 0: Auth0 log event: date is missing",
		"{\"uuid\": \"u\", \"eventType\": \"t\"}\n{\"uuid\": 1": "x.json:2: record 1: invalid JSON",
	} {
		err := Parse(strings.NewReader(src), "x.json", FormatAuto, func(store.IDPEvent) error { return nil })
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", src, err, want)
		}
	}
}

// TestParseHashIDStable: a record without an id gets the same id however
// its export spaced and ordered the keys.
func TestParseHashIDStable(t *testing.T) {
	a, err := Record([]byte(`{"time": 1748770181123, "type": "LOGIN", "userId": "u1", "details": {"b": "2", "a": "1"}}`), FormatAuto)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Record([]byte(`{"userId":"u1","details":{"a":"1","b":"2"},"type":"LOGIN","time":1748770181123}`), FormatAuto)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := Record([]byte(`{"userId":"u2","details":{"a":"1","b":"2"},"type":"LOGIN","time":1748770181123}`), FormatAuto)
	if a.ID != b.ID || a.ID == c.ID || !strings.HasPrefix(a.ID, "sha256:") {
		t.Fatalf("ids %s %s %s", a.ID, b.ID, c.ID)
	}
}

// TestImportIdempotent: the fixtures go into a real store; importing them
// again adds nothing; the rows join with audit events on the subject.
func TestImportIdempotent(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	load := func() (n, total int64) {
		files, _ := filepath.Glob("testdata/*.json*")
		for _, f := range files {
			if strings.HasPrefix(filepath.Base(f), "bad") {
				continue
			}
			evs, err := parseFile(t, filepath.Base(f), FormatAuto)
			if err != nil {
				t.Fatal(err)
			}
			k, err := st.InsertIDPEvents(ctx, evs)
			if err != nil {
				t.Fatal(err)
			}
			n += k
			total += int64(len(evs))
		}
		return n, total
	}
	if n, total := load(); n != 13 || total != 13 {
		t.Fatalf("first import: %d new of %d", n, total)
	}
	if n, total := load(); n != 0 || total != 13 {
		t.Fatalf("second import: %d new of %d", n, total)
	}
	var subjects int
	if err := st.DB().QueryRow(`SELECT count(DISTINCT subject) FROM idp_events WHERE outcome = 'success'`).Scan(&subjects); err != nil || subjects != 5 {
		t.Fatalf("subjects %d %v", subjects, err)
	}
	cols, rows, err := st.QueryRaw(ctx, `SELECT source, event_type FROM idp_events WHERE alternate_id = 'alice@example.com' ORDER BY time_ns`, 0)
	if err != nil || len(cols) != 2 || len(rows) != 5 {
		t.Fatalf("alice: %v %v %v", cols, rows, err)
	}
}
