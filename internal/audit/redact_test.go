package audit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	const secret = "s3cr3t-T0ken"
	tests := []struct {
		name    string
		raw     string
		secrets []string
		want    string // exact output, or "" to only check absence + validity
		same    bool   // output must be the very input
	}{
		{"no match returns input", `{"a":"hello"}`, []string{secret}, `{"a":"hello"}`, true},
		{"string value", `{"token":"Bearer s3cr3t-T0ken","n":1}`, []string{secret}, `{"token":"Bearer [REDACTED]","n":1}`, false},
		{"multiple and key", `{"s3cr3t-T0ken":["s3cr3t-T0ken","x"]}`, []string{secret}, `{"[REDACTED]":["[REDACTED]","x"]}`, false},
		{"short secrets ignored", `{"a":"abc12"}`, []string{"abc12"}, `{"a":"abc12"}`, true},
		{"no secrets", `{"a":"x"}`, nil, `{"a":"x"}`, true},
		{"html-escaped form", `{"a":"p\u003cw\u003e\u0026d!"}`, []string{"p<w>&d!"}, `{"a":"[REDACTED]"}`, false},
		{"quote and backslash", `{"a":"x\"y\\z123"}`, []string{`x"y\z123`}, `{"a":"[REDACTED]"}`, false},
		{"unicode-escaped evasion", `{"a":"\u0073\u0033cr3t-T0ken"}`, []string{secret}, `{"a":"[REDACTED]"}`, false},
		{"escaped slash", `{"a":"abc\/defgh"}`, []string{"abc/defgh"}, `{"a":"[REDACTED]"}`, false},
		{"numeric secret in number", `{"pin":12345678,"t":"x12345678y"}`, []string{"12345678"}, `{"pin":"[REDACTED]","t":"x[REDACTED]y"}`, false},
		{"match inside escape falls back", `{"a":"\nabcdef"}`, []string{"nabcdef"}, `{"a":"\nabcdef"}`, false},
		{"longest first", `{"a":"password123456"}`, []string{"password", "password123456"}, `{"a":"[REDACTED]"}`, false},
		{"order preserved", `{"z":1,"a":"s3cr3t-T0ken","m":[true,false,null,1.5e3]}`, []string{secret}, `{"z":1,"a":"[REDACTED]","m":[true,false,null,1.5e3]}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := []byte(tt.raw)
			orig := string(in)
			got := Redact(in, tt.secrets)
			if string(in) != orig {
				t.Fatal("input modified")
			}
			if string(got) != tt.want {
				t.Errorf("Redact = %s, want %s", got, tt.want)
			}
			if tt.same && &got[0] != &in[0] {
				t.Error("expected input slice back unchanged")
			}
			if !json.Valid(got) {
				t.Errorf("invalid JSON: %s", got)
			}
			var v any
			_ = json.Unmarshal(got, &v)
			dec := fmt.Sprint(v) // decoded strings, escapes resolved
			for _, s := range tt.secrets {
				if len(s) >= MinSecretLen && strings.Contains(dec, s) {
					t.Errorf("secret %q survives in %s", s, got)
				}
			}
		})
	}
}

func TestRedactEvent(t *testing.T) {
	ev := &Event{Type: TypeToolsCall, Arguments: json.RawMessage(`{"auth":"ghp_abcdefSECRET<&>"}`)}
	b, err := MarshalEvent(ev, NewRedactor([]string{"ghp_abcdefSECRET<&>"}))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "abcdefSECRET") {
		t.Fatalf("secret leaked: %s", b)
	}
	var back Event
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("redacted event no longer decodes: %v", err)
	}
	if string(back.Arguments) != `{"auth":"[REDACTED]"}` {
		t.Fatalf("arguments = %s", back.Arguments)
	}
}

func FuzzRedact(f *testing.F) {
	f.Add([]byte(`{"a":"s3cr3t-T0ken"}`), "s3cr3t-T0ken")
	f.Add([]byte(`{"a":"\u0073\u0033cr3t"}`), "s3cr3t")
	f.Add([]byte(`[123456789,"x"]`), "234567")
	f.Add([]byte(`{"k\"ey":"v\/al\\ue"}`), `"ey":"`)
	f.Add([]byte(`"XED]ED]"`), "ED]ED]")
	f.Fuzz(func(t *testing.T, raw []byte, secret string) {
		got := Redact(raw, []string{secret})
		if !json.Valid(raw) {
			return
		}
		if !json.Valid(got) {
			t.Fatalf("Redact(%q, %q) = %q: invalid JSON", raw, secret, got)
		}
		if len(secret) < MinSecretLen || strings.Contains(Redacted, secret) {
			return
		}
		dec := json.NewDecoder(bytes.NewReader(got))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		if containsDecoded(v, secret) {
			t.Fatalf("Redact(%q, %q) = %q: secret survives", raw, secret, got)
		}
	})
}

// containsDecoded reports whether any decoded string, key or number of v
// contains s.
func containsDecoded(v any, s string) bool {
	switch t := v.(type) {
	case string:
		return strings.Contains(t, s)
	case json.Number:
		return strings.Contains(string(t), s)
	case []any:
		for _, e := range t {
			if containsDecoded(e, s) {
				return true
			}
		}
	case map[string]any:
		for k, e := range t {
			if strings.Contains(k, s) || containsDecoded(e, s) {
				return true
			}
		}
	}
	return false
}
