package config

import (
	"strings"
	"testing"
)

func TestValidateNamespacesAndDestinations(t *testing.T) {
	cases := []struct{ yaml, want string }{
		{"servers:\n  a:\n    command: x\n  a_:\n    command: y\n", `servers.a_: namespace "a___" overlaps namespace "a__" of server "a"`},
		{"servers:\n  a:\n    command: x\n  b:\n    command: y\n    prefix: a_x\n", ""},
		{"path: /healthz\nservers:\n  a:\n    command: x\n", "path: /healthz is the gateway's health endpoint"},
		{"servers:\n  a:\n    command: x\naudit:\n  store: false\n", "audit.store: audit events need a destination"},
		{"servers:\n  a:\n    command: x\naudit:\n  store: false\n  file: \"-\"\n", ""},
	}
	for _, tc := range cases {
		_, _, err := Parse([]byte(tc.yaml), "m.yaml", "")
		if tc.want == "" {
			if err != nil {
				t.Errorf("%q: unexpected error %v", tc.yaml, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.yaml, err, tc.want)
		}
	}
}
