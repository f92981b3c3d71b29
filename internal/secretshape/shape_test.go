package secretshape

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// Examples in the documented formats (fabricated values, not live keys).
var examples = map[string]string{
	"aws_access_key": "AKIAIOSFODNN7EXAMPLE",
	"github_token":   "ghp_" + strings.Repeat("a1B2", 9),
	"github_pat":     "github_pat_11ABCDEFG0" + strings.Repeat("x", 70),
	"gitlab_token":   "glpat-" + strings.Repeat("Ab1_", 5),
	"slack_token":    "xoxb-123456789012-abcdefghijkl",
	"google_api_key": "AIza" + strings.Repeat("Sy0_", 8) + "abc",
	"stripe_key":     "sk_live_" + strings.Repeat("4eC39HqLyjWDarjtT1zdp7dc", 1),
	"jwt":            "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ",
	"private_key":    "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU=\n-----END OPENSSH PRIVATE KEY-----",
}

func TestMaskEveryShapeInJSON(t *testing.T) {
	for name, secret := range examples {
		// As JSON string content, after an escape, and mid-sentence.
		doc, _ := json.Marshal(map[string]any{"text": "line one\n" + secret + " and more", "n": 1})
		out, n := Mask(doc, Shapes)
		if n != 1 {
			t.Errorf("%s: %d masks in %s", name, n, out)
			continue
		}
		if strings.Contains(string(out), secret) || !strings.Contains(string(out), "[REDACTED:"+name+"]") {
			t.Errorf("%s: not masked as such: %s", name, out)
		}
		var v map[string]any
		if err := json.Unmarshal(out, &v); err != nil {
			t.Errorf("%s: masked JSON invalid: %v: %s", name, err, out)
		}
		if Match([]byte(secret), Shapes) != name {
			t.Errorf("%s: Match = %q", name, Match([]byte(secret), Shapes))
		}
	}
}

// Benign twins: text that resembles the shapes but is not a credential.
func TestBenignTextUntouched(t *testing.T) {
	for _, s := range []string{
		`{"text":"AKIA is a prefix of AWS keys"}`,
		`{"text":"ghp_short"}`,
		`{"text":"eyJ alone, or eyJhbGci.notjwt"}`,
		`{"text":"-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----"}`,
		`{"path":"/home/user/projects/sk_live_demo"}`,
	} {
		out, n := Mask([]byte(s), Shapes)
		if n != 0 || string(out) != s {
			t.Errorf("benign text masked: %s -> %s", s, out)
		}
	}
}

func TestSelect(t *testing.T) {
	sel, unknown := Select([]string{"jwt", "nope"})
	if len(sel) != 1 || sel[0].Name != "jwt" || len(unknown) != 1 {
		t.Fatalf("Select = %v %v", sel, unknown)
	}
}

func BenchmarkMaskNoMatch64K(b *testing.B) {
	doc, _ := json.Marshal(map[string]string{"text": strings.Repeat("The quick brown fox jumps over the lazy dog. ", 1456)})
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		Mask(doc, Shapes)
	}
}

// An audit event of a small tools/call, as the redaction pass sees it.
const auditEvent = `{"schema_version":"1.6","event_id":"019ad3f2-8c1e-7b3a-9f21-5e8d2c4b1a70","time":"2026-11-29T22:40:01.123456789Z","type":"tool.call","correlation_id":"019ad3f2-8c1e-7b3a-9f21-5e8d2c4b1a71","session_id":"019ad3f2-8b00-7000-8000-000000000001","principal":{"subject":"anonymous","anonymous":true},"client":{"name":"mcpwarden-bench","version":"1.0.0","protocol_version":"2025-11-25"},"transport":"streamable-http","remote_addr":"127.0.0.1:53412","server":"demo","tool":"echo","exposed_name":"demo__echo","arguments":{"message":"hello from mcpwarden-bench: the quick brown fox jumps over the lazy dog"},"schema_hash":"sha256:9f2c4e1b7a3d5f6e8c0b2a4d6f8e0c2b4a6d8f0e2c4b6a8d0f2e4c6b8a0d2f4e","contains_base64":false,"decision":{"action":"allow","guard":"policy","reason":"default allow"},"status":{"outcome":"ok","result_bytes":139},"duration_ms":0.412}`

func BenchmarkMaskAuditEvent(b *testing.B) {
	doc := []byte(auditEvent)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		Mask(doc, Shapes)
	}
}

// naiveCandidates is what candidates computes, by one search per prefix.
func naiveCandidates(b []byte, sel []*Shape) uint64 {
	var mask uint64
	for i, s := range sel {
		for _, p := range s.prefixes {
			if bytes.Contains(b, p) {
				mask |= 1 << i
			}
		}
	}
	return mask
}

// The finder agrees with a search per prefix, wherever the prefix sits:
// at the start or end of the text, after a separator, overlapping another.
func TestCandidatesAgreeWithSearchPerPrefix(t *testing.T) {
	var texts []string
	for _, s := range Shapes {
		for _, p := range s.prefixes {
			q := string(p)
			texts = append(texts, q, q+"x", "x"+q, "_"+q, "-"+q, q[1:], q[:len(q)-1], `{"k":"`+q+`"}`, q+q, "event_id-"+q)
		}
	}
	texts = append(texts, "", "A", "_", "-", auditEvent, "xoxb-1 github_pat_ sk_live_ eyJ AKIAAIza T3BlbkFJ PRIVATE KEY-----")
	for _, sel := range [][]*Shape{Shapes, Shapes[3:5], {Shapes[9]}} {
		for _, text := range texts {
			if got, want := candidates([]byte(text), sel), naiveCandidates([]byte(text), sel); got != want {
				t.Errorf("%q: candidates %b, want %b", text, got, want)
			}
		}
	}
}

func FuzzCandidates(f *testing.F) {
	f.Add([]byte(auditEvent))
	for _, e := range examples {
		f.Add([]byte(e))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := candidates(b, Shapes), naiveCandidates(b, Shapes); got != want {
			t.Fatalf("%q: candidates %b, want %b", b, got, want)
		}
	})
}
