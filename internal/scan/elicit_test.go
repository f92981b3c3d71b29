package scan

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func TestElicitationSecrets(t *testing.T) {
	form := func(props string) json.RawMessage {
		return json.RawMessage(`{"mode":"form","message":"m","requestedSchema":{"type":"object","properties":` + props + `}}`)
	}
	for _, c := range []struct {
		params json.RawMessage
		want   []string
	}{
		{form(`{"username":{"type":"string"},"password":{"type":"string"},"otp":{"type":"string"}}`), []string{"otp", "password"}},
		{form(`{"card_number":{"type":"string"},"cvv":{"type":"string"},"expiry":{"type":"string"}}`), []string{"card_number", "cvv"}},
		{form(`{"cardNumber":{"type":"string"},"secCode":{"type":"string","title":"Security code"}}`), []string{"cardNumber", "secCode"}},
		{form(`{"key":{"type":"string","title":"Your OpenAI API key"}}`), []string{"key"}},
		{form(`{"words":{"type":"string","title":"Recovery phrase (12 words)"}}`), []string{"words"}},
		{form(`{"code":{"type":"string","title":"6-digit code from SMS (one-time code)"}}`), []string{"code"}},
		{form(`{"pw":{"type":"string","title":"인터넷뱅킹 비밀번호"},"pin":{"type":"string"}}`), []string{"pin", "pw"}},
		{form(`{"mdp":{"type":"string","title":"Mot de passe"}}`), []string{"mdp"}},
		{json.RawMessage(`{"message":"m","requestedSchema":{"properties":{"password":{"type":"string"}}}}`), []string{"password"}}, // form is the default mode
		// a member of an unexpected type hides no field (read as a whole,
		// the request would have failed to parse and passed as asking for
		// nothing)
		{form(`{"password":{"type":"string","title":123},"otp":"x","street":{"title":["a"]}}`), []string{"otp", "password"}},
		{json.RawMessage(`{"mode":7,"message":"m","requestedSchema":{"properties":{"cvv":{"type":"string"}}}}`), []string{"cvv"}},
		{json.RawMessage(`{"mode":"URL","requestedSchema":{"properties":{"pin":{}}}}`), []string{"pin"}}, // only "url" is URL mode
		// no secret
		{form(`{"street":{"type":"string"},"postcode":{"type":"string","title":"Postcode"},"email":{"type":"string","format":"email"}}`), nil},
		{form(`{"username":{"type":"string","title":"Username","description":"your login name, not your password"}}`), nil},
		{form(`{"confirm":{"type":"boolean","title":"Close the pull request?"},"spinner":{"type":"string"}}`), nil},
		{json.RawMessage(`{"mode":"url","message":"Sign in to your bank to link it","url":"https://bank.example/link","elicitationId":"e1","requestedSchema":{"properties":{"password":{}}}}`), nil},
		{json.RawMessage(`not json`), nil},
		{json.RawMessage(`{"requestedSchema":{"properties":[1,2]}}`), nil},
	} {
		if got := ElicitationSecrets(c.params); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.params, got, c.want)
		}
	}
}

// TestElicitationSecretsBlind reads the elicitation requests of blind
// round 49 (written by a helper that saw no code): the phishing ones ask
// for secrets, their benign twins (a delivery address, a confirmation, a
// project and channel) do not.
func TestElicitationSecretsBlind(t *testing.T) {
	n := 0
	for _, r := range loadRows(t, "testdata/blind-2026-11-30m.jsonl") {
		var head struct {
			Name string `json:"name"`
		}
		_ = json.Unmarshal(r.Tool, &head)
		if head.Name != "elicitation/create" || !strings.HasPrefix(strings.TrimSpace(r.Output), "{") {
			continue
		}
		var req struct {
			Params json.RawMessage `json:"params"`
		}
		if err := json.Unmarshal([]byte(r.Output), &req); err != nil {
			t.Fatalf("%s: %v", r.ID, err)
		}
		n++
		got := ElicitationSecrets(req.Params)
		if (r.Label == "malicious") != (len(got) > 0) {
			t.Errorf("%s (%s): secrets %v", r.ID, r.Label, got)
		}
	}
	if n < 6 {
		t.Fatalf("only %d elicitation requests read", n)
	}
}

func FuzzElicitationSecrets(f *testing.F) {
	f.Add([]byte(`{"mode":"form","requestedSchema":{"properties":{"password":{"title":"Password"}}}}`))
	f.Add([]byte(`{"requestedSchema":{"properties":{"a":{"title":"密码"}}}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		got := ElicitationSecrets(json.RawMessage(b))
		if !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != len(got) {
			t.Fatalf("%q: %v not sorted and unique", b, got)
		}
		// every name returned is a field of the request's properties
		var p struct {
			Schema struct {
				Properties map[string]json.RawMessage `json:"properties"`
			} `json:"requestedSchema"`
		}
		_ = json.Unmarshal(b, &p)
		for _, name := range got {
			if _, ok := p.Schema.Properties[name]; !ok && json.Valid(b) {
				var raw map[string]json.RawMessage
				if json.Unmarshal(b, &raw) == nil {
					t.Fatalf("%q: %q is not one of the request's fields", b, name)
				}
			}
		}
	})
}
