package config

import (
	"strings"
	"testing"
	"time"
)

// TestDetectActions: detect.actions and detect.hold_for are checked with
// errors naming the key; absent, nothing acts (alerts only).
func TestDetectActions(t *testing.T) {
	const srv = "servers:\n  a:\n    command: x\n"
	cases := []struct{ yaml, want string }{
		{srv, ""},
		{srv + "detect:\n  actions: {mcp.injection: end_session, mcp.recon: hold_principal, mcp.harvest: none}\n  hold_for: 30m\n", ""},
		{srv + "detect:\n  actions: {mcp.nope: end_session}\n", `detect.actions."mcp.nope": unknown rule "mcp.nope"`},
		{srv + "detect:\n  actions: {team.mine: end_session}\n", `a user rule sets action: in its rules file`},
		{srv + "detect:\n  actions: {mcp.recon: block}\n", `detect.actions."mcp.recon": must be end_session, hold_principal or none, got "block"`},
		{srv + "detect:\n  hold_for: 0s\n", `detect.hold_for: must be greater than 0`},
		{srv + "detect:\n  hold_for: soon\n", `detect.hold_for`},
	}
	for _, tc := range cases {
		cfg, _, err := Parse([]byte(tc.yaml), "m.yaml", "")
		if tc.want == "" {
			if err != nil {
				t.Errorf("%q: unexpected error %v", tc.yaml, err)
			}
			if tc.yaml == srv && (cfg.Detect.Actions.Len() != 0 || cfg.Detect.HoldFor != 0) {
				t.Errorf("defaults: actions %v, hold_for %v", cfg.Detect.Actions, cfg.Detect.HoldFor)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.yaml, err, tc.want)
		}
	}
	cfg, warns, err := Parse([]byte(srv+"detect:\n  disabled: [mcp.recon]\n  actions: {mcp.recon: hold_principal}\n  hold_for: 2h\n"), "m.yaml", "")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Detect.Actions.Values["mcp.recon"] != DetectActionHoldPrincipal || cfg.Detect.HoldFor.D() != 2*time.Hour {
		t.Fatalf("parsed: %+v", cfg.Detect)
	}
	if !strings.Contains(strings.Join(warns, "\n"), "rule mcp.recon is disabled, so its action never runs") {
		t.Fatalf("warnings: %q", warns)
	}
}
