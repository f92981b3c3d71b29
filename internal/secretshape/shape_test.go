package secretshape

import (
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
