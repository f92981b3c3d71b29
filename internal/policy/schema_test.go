package policy

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestSchemaValidate(t *testing.T) {
	def := json.RawMessage(`{"name":"transfer","inputSchema":{"type":"object","properties":{"amount":{"type":"number","maximum":500},"currency":{"type":"string","enum":["EUR","USD"]}},"required":["amount"]}}`)
	open := json.RawMessage(`{"name":"free","inputSchema":{"type":"object","properties":{"a":{"type":"string"}},"additionalProperties":true}}`)
	remote := json.RawMessage(`{"name":"r","inputSchema":{"$ref":"http://169.254.169.254/latest/meta-data"}}`)
	s := NewSchemas()
	for _, tc := range []struct {
		def  json.RawMessage
		args string
		want string // "" = valid
	}{
		{def, `{"amount": 10, "currency": "EUR"}`, ""},
		{def, `{"amount": 10}`, ""},
		{def, `{"amount": 501}`, "maximum"},
		{def, `{"amount": "10"}`, "number"},
		{def, `{"currency": "EUR"}`, "amount"},
		{def, `{"amount": 1, "currency": "GBP"}`, "must be one of"},
		{def, `{"amount": 1, "to": "attacker"}`, `argument "to" is not in the tool's input schema`},
		{open, `{"a": "x", "b": 1}`, ""},
		{remote, `{}`, "self-contained"},
		{json.RawMessage(`{"name":"none"}`), `{}`, "no inputSchema"},
	} {
		h := "sha256:" + string(tc.def[9:14])
		err := s.Validate(h, tc.def, json.RawMessage(tc.args))
		if tc.want == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.args, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.args, err, tc.want)
		}
	}
}
