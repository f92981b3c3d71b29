package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSandboxKeys(t *testing.T) {
	home, _ := os.UserHomeDir()
	srv := func(extra string) string { return "servers:\n  fs:\n    command: npx\n" + extra }
	cases := []struct{ yaml, want string }{
		// The contract, as written.
		{srv("    args: [\"-y\", \"@modelcontextprotocol/server-filesystem\", \"/srv/data\"]\n    sandbox: bwrap\n    fs: {read: [/srv/data], write: []}\n    egress: [\"api.github.com:443\"]\n"), ""},
		{srv("    sandbox: landlock\n    egress: [\"*.example.com\", \"10.0.0.5:8080\", \"api.github.com\"]\n"), ""},
		{srv("    sandbox: runsc\n"), ""},
		{srv("    sandbox: none\n"), ""},
		{srv("    sandbox: docker\n"), "servers.fs.sandbox: must be bwrap, landlock, runsc, none"},
		{srv("    fs: {read: [/srv/data]}\n"), "servers.fs.fs: needs a sandbox"},
		{srv("    sandbox: none\n    egress: [\"api.github.com\"]\n"), "servers.fs.egress: needs a sandbox"},
		{srv("    sandbox: bwrap\n    egress: [\"api.github.com:http\"]\n"), "servers.fs.egress[0]:"},
		{srv("    sandbox: bwrap\n    egress: [\"*.com\"]\n"), "servers.fs.egress[0]:"},
		{srv("    sandbox: bwrap\n    fs: {write: [/srv/../etc]}\n"), "servers.fs.fs.write[0]: must not contain \"..\""},
		{srv("    sandbox: bwrap\n    fs: {read: [/]}\n"), "servers.fs.fs.read[0]: / covers"},
		{srv("    sandbox: bwrap\n    fs: {read: [/proc/1]}\n"), "servers.fs.fs.read[0]: /proc/1 exposes /proc"},
		{srv("    sandbox: bwrap\n    fs: {read: [" + home + "]}\n"), "servers.fs.fs.read[0]: " + home + " covers"},
		{srv("    sandbox: bwrap\n    fs: {read: [" + filepath.Join(home, ".ssh") + "]}\n"), "where credentials live"},
		{"servers:\n  r:\n    url: https://x.example.com/mcp\n    sandbox: bwrap\n", "servers.r.sandbox: only valid for command servers"},
		{"servers:\n  r:\n    url: https://x.example.com/mcp\n    egress: [a.com]\n", "servers.r.egress: only valid for command servers"},
	}
	for _, tc := range cases {
		_, _, err := Parse([]byte(tc.yaml), "/etc/mcpw/m.yaml", "/etc/mcpw")
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

// Grants are relative to the configuration's directory and may not
// expose the gateway's own files.
func TestSandboxGrantsProtectGatewayFiles(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"servers:\n  fs:\n    command: x\n    sandbox: bwrap\n    fs: {read: [data]}\n", ""},
		{"servers:\n  fs:\n    command: x\n    sandbox: bwrap\n    fs: {read: [.]}\n", "covers"},
		{"servers:\n  fs:\n    command: x\n    sandbox: bwrap\n    fs: {write: [/var/lib/mcpw]}\nstore:\n  path: /var/lib/mcpw/state.db\n", "covers the store (store.path)"},
		{"servers:\n  fs:\n    command: x\n    sandbox: bwrap\n    fs: {read: [/var/log]}\naudit:\n  file: /var/log/mcpw/audit.jsonl\n", "covers the audit file"},
		{"servers:\n  fs:\n    command: x\n    sandbox: bwrap\n    fs: {read: [/srv/keys]}\n    env: {TOKEN: \"file:/srv/keys/token\"}\n", "the secret file of servers.fs.env.TOKEN"},
	} {
		cfg, _, err := Parse([]byte(tc.yaml), "/etc/mcpw/m.yaml", "/etc/mcpw")
		if tc.want == "" {
			if err != nil {
				t.Fatalf("%v", err)
			}
			fs, _ := cfg.Servers.Get("fs")
			if fs.FS.Read[0] != "/etc/mcpw/data" || cfg.ConfigFile != "/etc/mcpw/m.yaml" {
				t.Errorf("grant %q, config file %q", fs.FS.Read[0], cfg.ConfigFile)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.yaml, err, tc.want)
		}
	}
}
