package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func parse(t *testing.T, src string) (*Config, []string, error) {
	t.Helper()
	return Parse([]byte(src), "t.yaml", "")
}

func mustParse(t *testing.T, src string) (*Config, []string) {
	t.Helper()
	c, w, err := parse(t, src)
	if err != nil {
		t.Fatalf("unexpected error:\n%v", err)
	}
	return c, w
}

func TestExampleContract(t *testing.T) {
	data, err := os.ReadFile("../../mcpwarden.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, warnings, err := Parse(data, "mcpwarden.yaml", "")
	if err != nil {
		t.Fatalf("example does not parse:\n%v", err)
	}
	if len(warnings) != 0 {
		t.Errorf("unexpected warnings: %q", warnings)
	}
	if c.Listen != "127.0.0.1:8931" {
		t.Errorf("listen = %q", c.Listen)
	}
	if got := c.ServerNames(); !reflect.DeepEqual(got, []string{"ev", "docs"}) {
		t.Errorf("ServerNames = %q", got)
	}
	ev := c.Servers.Values["ev"]
	if ev.Name != "ev" || ev.Command != "npx" || ev.URL != "" {
		t.Errorf("ev = %+v", ev)
	}
	if want := []string{"-y", "@modelcontextprotocol/server-everything", "stdio"}; !reflect.DeepEqual(ev.Args, want) {
		t.Errorf("ev.args = %q", ev.Args)
	}
	if ev.Env.Len() != 1 || ev.Env.Keys[0] != "LOG_LEVEL" || ev.Env.Values["LOG_LEVEL"].String() != "info" || ev.Env.Values["LOG_LEVEL"].IsRef() {
		t.Errorf("ev.env = %+v", ev.Env)
	}
	if ev.Timeout.D() != 30*time.Second {
		t.Errorf("ev.timeout = %s", ev.Timeout)
	}
	if ev.Tools.Len() != 1 || ev.Tools.Keys[0] != "get-env" {
		t.Fatalf("ev.tools = %+v", ev.Tools)
	}
	if r := ev.Tools.Values["get-env"]; r.Allow == nil || *r.Allow {
		t.Errorf("get-env rule = %+v", r)
	}
	if ev.Transport != TransportStdio || ev.Sessions != SessionsShared || *ev.Prefix != "ev" {
		t.Errorf("ev defaults: transport %q sessions %q prefix %q", ev.Transport, ev.Sessions, *ev.Prefix)
	}
	docs := c.Servers.Values["docs"]
	if docs.URL != "http://127.0.0.1:3001/mcp" || docs.Command != "" {
		t.Errorf("docs = %+v", docs)
	}
	auth, ok := docs.Headers.Get("Authorization")
	if !ok || !auth.IsRef() || auth.String() != "env:DOCS_TOKEN" || docs.Headers.Len() != 1 {
		t.Errorf("docs.headers = %+v", docs.Headers)
	}
	if docs.Transport != TransportStreamableHTTP || docs.Sessions != SessionsPerClient || docs.Timeout.D() != 60*time.Second {
		t.Errorf("docs defaults: %+v", docs)
	}
	if c.Policy.Default != PolicyAllow {
		t.Errorf("policy.default = %q", c.Policy.Default)
	}
	if c.Audit.File != "audit.jsonl" || c.Audit.Store == nil || !*c.Audit.Store {
		t.Errorf("audit = %+v", c.Audit)
	}
	if c.Auth != nil {
		t.Errorf("auth = %+v", c.Auth)
	}
}

func TestDefaults(t *testing.T) {
	c, warnings := mustParse(t, `
servers:
  local: {command: ./srv}
  remote: {url: "https://example.com/mcp"}
`)
	if len(warnings) != 1 || !strings.Contains(warnings[0], "policy.default not set: tools no rule matches are allowed") {
		t.Errorf("warnings = %q", warnings)
	}
	if c.Listen != "127.0.0.1:8931" || c.Path != "/mcp" || c.NamespaceSeparator != "__" ||
		c.MaxBodyBytes != 4<<20 || c.SessionIdleTimeout.D() != 30*time.Minute ||
		c.Policy.Default != "allow" || c.Store.Path != "mcpwarden.db" || c.Audit.File != "" ||
		c.Audit.Store == nil || !*c.Audit.Store {
		t.Errorf("top-level defaults: %+v", c)
	}
	if !reflect.DeepEqual(c.AllowedOrigins, DefaultAllowedOrigins) {
		t.Errorf("allowed_origins = %q", c.AllowedOrigins)
	}
	l := c.Servers.Values["local"]
	if l.Transport != "stdio" || l.Sessions != "shared" || l.Timeout.D() != 60*time.Second ||
		l.ConnectTimeout.D() != 30*time.Second || l.Restart.InitialBackoff.D() != 500*time.Millisecond ||
		l.Restart.MaxBackoff.D() != 30*time.Second || l.Prefix == nil || *l.Prefix != "local" || !l.IsStdio() {
		t.Errorf("stdio server defaults: %+v", l)
	}
	r := c.Servers.Values["remote"]
	if r.Transport != "streamable-http" || r.Sessions != "per-client" || r.ConnectTimeout.D() != 30*time.Second ||
		*r.Prefix != "remote" || r.EffectivePrefix() != "remote" || r.IsStdio() {
		t.Errorf("url server defaults: %+v", r)
	}

	// Relative paths are resolved against baseDir.
	base := t.TempDir()
	c, _, err := Parse([]byte("servers: {a: {command: x, dir: sub}}\naudit: {file: a.jsonl}\npolicy: {default: deny}\n"), "t.yaml", base)
	if err != nil {
		t.Fatal(err)
	}
	if c.Store.Path != filepath.Join(base, "mcpwarden.db") || c.Audit.File != filepath.Join(base, "a.jsonl") ||
		c.Servers.Values["a"].Dir != filepath.Join(base, "sub") {
		t.Errorf("paths not relative to base: store %q audit %q dir %q", c.Store.Path, c.Audit.File, c.Servers.Values["a"].Dir)
	}

	// Explicit values win over defaults.
	c, w := mustParse(t, `
listen: "[::1]:9000"
path: /gw
allowed_origins: []
namespace_separator: "-"
max_body_bytes: 1_048_576
session_idle_timeout: 1h
policy: {default: deny}
audit: {file: "-", store: false}
store: {path: ":memory:"}
servers:
  a:
    command: x
    prefix: ""
    sessions: per-client
    timeout: 2m
    connect_timeout: 5s
    restart: {initial_backoff: 1s, max_backoff: 10s}
    policy: {default: allow}
`)
	if len(w) != 0 {
		t.Errorf("warnings = %q", w)
	}
	a := c.Servers.Values["a"]
	if c.Listen != "[::1]:9000" || c.Path != "/gw" || c.AllowedOrigins == nil || len(c.AllowedOrigins) != 0 ||
		c.NamespaceSeparator != "-" || c.MaxBodyBytes != 1<<20 || c.SessionIdleTimeout.D() != time.Hour ||
		c.Policy.Default != "deny" || c.Audit.File != "-" || *c.Audit.Store || c.Store.Path != ":memory:" ||
		*a.Prefix != "" || a.EffectivePrefix() != "" || a.Sessions != "per-client" || a.Timeout.D() != 2*time.Minute ||
		a.ConnectTimeout.D() != 5*time.Second || a.Restart.InitialBackoff.D() != time.Second ||
		a.Restart.MaxBackoff.D() != 10*time.Second || a.Policy.Default != "allow" {
		t.Errorf("explicit values lost: %+v / %+v", c, a)
	}
}

func TestDefaultConfig(t *testing.T) {
	c, w, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if len(w) != 0 {
		t.Errorf("warnings = %q", w)
	}
	d := c.Servers.Values["demo"]
	if c.Listen != "127.0.0.1:8931" || !reflect.DeepEqual(c.ServerNames(), []string{"demo"}) ||
		d.Command != SelfCommand || !reflect.DeepEqual(d.Args, []string{"demo-server"}) ||
		c.Policy.Default != "allow" || c.Audit.File != "-" || c.Store.Path != ":memory:" {
		t.Errorf("default config: %+v %+v", c, d)
	}
	r, ok := d.Tools.Get("delete_*")
	if !ok || r.Allow == nil || *r.Allow {
		t.Errorf("delete_* rule = %+v", r)
	}
}

func TestOrderPreserved(t *testing.T) {
	c, _ := mustParse(t, `
servers:
  zeta: {command: z}
  alpha: {command: a, tools: {"b*": {allow: false}, "a*": {allow: true}, "*": {allow: false}}}
  mid: {command: m}
`)
	if got := c.ServerNames(); !reflect.DeepEqual(got, []string{"zeta", "alpha", "mid"}) {
		t.Errorf("servers order = %q", got)
	}
	if got := c.Servers.Values["alpha"].Tools.Keys; !reflect.DeepEqual(got, []string{"b*", "a*", "*"}) {
		t.Errorf("tools order = %q", got)
	}
}

func TestAliases(t *testing.T) {
	c, _ := mustParse(t, `
servers:
  a:
    command: x
    timeout: &t 10s
    args: &args [one, two]
    tools: &rules
      "delete_*": {allow: false}
  b:
    command: y
    timeout: *t
    args: *args
    tools: *rules
`)
	b := c.Servers.Values["b"]
	if b.Timeout.D() != 10*time.Second || !reflect.DeepEqual(b.Args, []string{"one", "two"}) || b.Tools.Len() != 1 {
		t.Errorf("aliases not resolved: %+v", b)
	}
	// An error reached through an alias names the path where it is used,
	// at the line of the alias for scalars.
	_, _, err := parse(t, "x: &v maybe\n")
	if err == nil {
		t.Fatal("expected error")
	}
	_, _, err = parse(t, `servers:
  a:
    command: x
    tools:
      t: {allow: &v maybe}
  b:
    command: y
    tools:
      t: {allow: *v}
`)
	for _, want := range []string{
		`t.yaml:5: servers.a.tools.t.allow: expected a boolean, got string "maybe"`,
		`t.yaml:9: servers.b.tools.t.allow: expected a boolean, got string "maybe"`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v\ndoes not contain %q", err, want)
		}
	}
}

func TestErrors(t *testing.T) {
	const srv = "servers:\n  ev:\n    command: x\n" // lines 1-3
	tests := []struct {
		name string
		src  string
		want []string // each must occur in the error text
	}{
		{"unknown key with suggestion", "servers:\n  ev:\n    comand: npx\n",
			[]string{`t.yaml:3: servers.ev.comand: unknown key (did you mean "command"?)`}},
		{"learned rule switch", srv + "scan: {learned: maybe}\n",
			[]string{`scan.learned: must be "on" or "off", got "maybe"`}},
		{"scan bound too small", srv + "scan:\n  max_bytes: 100\n",
			[]string{`t.yaml:5: scan.max_bytes: must be between 1KiB and 1GiB, got 100 bytes`}},
		{"scan bound not a size", srv + "scan:\n  max_bytes: lots\n",
			[]string{`t.yaml:5: scan.max_bytes: invalid size "lots"`}},
		{"unknown top-level key", srv + "polcy: {default: deny}\n",
			[]string{`t.yaml:4: polcy: unknown key (did you mean "policy"?)`}},
		{"unknown key without suggestion", srv + "frobnicate: 1\n",
			[]string{`t.yaml:4: frobnicate: unknown key`}},
		{"wrong type bool", srv + "    tools:\n      get-env:\n        allow: maybe\n",
			[]string{`t.yaml:6: servers.ev.tools.get-env.allow: expected a boolean, got string "maybe"`}},
		{"yes is not a boolean", srv + "    tools:\n      t: {allow: yes}\n",
			[]string{`t.yaml:5: servers.ev.tools.t.allow: expected a boolean, got string "yes"`}},
		{"wrong type string", srv + "    args: [a, {b: c}]\n",
			[]string{`t.yaml:4: servers.ev.args[1]: expected a string, got a mapping`}},
		{"bool for string", srv + "    env: {DEBUG: true}\n",
			[]string{`t.yaml:4: servers.ev.env.DEBUG: expected a string, got boolean true`}},
		{"wrong type int", srv + "max_body_bytes: lots\n",
			[]string{`t.yaml:4: max_body_bytes: expected an integer, got string "lots"`}},
		{"ambiguous octal", srv + "max_body_bytes: 0755\n",
			[]string{`t.yaml:4: max_body_bytes: ambiguous integer 0755`}},
		{"mapping expected", "servers: [a, b]\n",
			[]string{`t.yaml:1: servers: expected a mapping, got a sequence`}},
		{"null server", "servers:\n  ev:\n",
			[]string{`t.yaml:2: servers.ev: expected a mapping, got null`}},
		{"bad duration", srv + "    timeout: 30 seconds\n",
			[]string{`t.yaml:4: servers.ev.timeout: invalid duration "30 seconds"`}},
		{"bare number duration", srv + "    connect_timeout: 30\n",
			[]string{`t.yaml:4: servers.ev.connect_timeout: expected a duration with a unit`, "bare number 30"}},
		{"quoted bare number duration", srv + "session_idle_timeout: \"30\"\n",
			[]string{`t.yaml:4: session_idle_timeout: invalid duration "30"`}},
		{"zero input ttl", srv + "protocol:\n  input_ttl: 0s\n",
			[]string{`t.yaml:5: protocol.input_ttl: must be greater than 0`}},
		{"unknown protocol key", srv + "protocol:\n  input_tll: 1m\n",
			[]string{`t.yaml:5: protocol.input_tll: unknown key (did you mean "input_ttl"?)`}},
		{"zero duration", srv + "    timeout: 0s\n",
			[]string{`t.yaml:4: servers.ev.timeout: must be greater than 0`}},
		{"negative duration", srv + "    restart: {initial_backoff: -1s}\n",
			[]string{`t.yaml:4: servers.ev.restart.initial_backoff: must be greater than 0`}},
		{"backoff order", srv + "    restart:\n      initial_backoff: 1m\n      max_backoff: 1s\n",
			[]string{`t.yaml:6: servers.ev.restart.max_backoff: must not be less than initial_backoff`}},
		{"bad glob", srv + "    tools:\n      \"get_[a-z\": {allow: false}\n",
			[]string{`t.yaml:5: servers.ev.tools."get_[a-z": invalid glob pattern`}},
		{"empty rule", srv + "    tools:\n      \"*\": {}\n",
			[]string{`t.yaml:5: servers.ev.tools.*: rule sets nothing`}},
		{"both command and url", "servers:\n  ev:\n    command: x\n    url: http://a/\n",
			[]string{`t.yaml:2: servers.ev: set either command or url, not both`}},
		{"neither command nor url", "servers:\n  ev:\n    timeout: 1s\n",
			[]string{`t.yaml:2: servers.ev: one of command (a local stdio server) or url (a remote server) is required`}},
		{"empty command", "servers:\n  ev:\n    command: \"\"\n",
			[]string{`t.yaml:3: servers.ev.command: must not be empty`}},
		{"bad url scheme", "servers:\n  ev:\n    url: ftp://x/\n",
			[]string{`t.yaml:3: servers.ev.url: URL scheme must be http or https`}},
		{"url with credentials", "servers:\n  ev:\n    url: https://user:hunter2@x/\n",
			[]string{`t.yaml:3: servers.ev.url: URL must not contain credentials`}},
		{"bad transport for command", srv + "    transport: sse\n",
			[]string{`t.yaml:4: servers.ev.transport: "sse" is not valid for a command server`}},
		{"bad transport for url", "servers:\n  ev:\n    url: http://a/\n    transport: stdio\n",
			[]string{`t.yaml:4: servers.ev.transport: "stdio" is not valid for a url server`}},
		{"args on url server", "servers:\n  ev:\n    url: http://a/\n    args: [x]\n",
			[]string{`t.yaml:4: servers.ev.args: only valid for command servers`}},
		{"headers on command server", srv + "    headers: {X-A: b}\n",
			[]string{`t.yaml:4: servers.ev.headers: only valid for url servers`}},
		{"literal secret header", "servers:\n  docs:\n    url: http://a/\n    headers:\n      Authorization: Bearer abc123\n",
			[]string{`t.yaml:5: servers.docs.headers.Authorization: secrets must be references (env:NAME, file:PATH or vault:PATH#FIELD), not literals`}},
		{"literal secret header by substring", "servers:\n  docs:\n    url: http://a/\n    headers: {X-Api-KEY: abc123}\n",
			[]string{`t.yaml:4: servers.docs.headers.X-Api-KEY: secrets must be references`}},
		{"reserved header", "servers:\n  docs:\n    url: http://a/\n    headers: {Mcp-Session-Id: x}\n",
			[]string{`t.yaml:4: servers.docs.headers.Mcp-Session-Id: header is managed by the gateway`}},
		{"bad reference", "servers:\n  docs:\n    url: http://a/\n    headers: {Authorization: \"env:\"}\n",
			[]string{`t.yaml:4: servers.docs.headers.Authorization: invalid reference "env:"`}},
		{"bad server name", "servers:\n  \"bad name\": {command: x}\n",
			[]string{`t.yaml:2: servers."bad name": invalid server name`}},
		{"server name starting with dash", "servers:\n  -x: {command: x}\n",
			[]string{`t.yaml:2: servers.-x: invalid server name`}},
		{"server name with separator", "servers:\n  a__b: {command: x}\n",
			[]string{`t.yaml:2: servers.a__b: server name must not contain the namespace separator "__"`}},
		{"bad separator", srv + "namespace_separator: \"::\"\n",
			[]string{`t.yaml:4: namespace_separator: must be 1 to 8 characters`}},
		{"duplicate prefix", "servers:\n  a: {command: x}\n  b: {command: y, prefix: a}\n",
			[]string{`t.yaml:3: servers.b.prefix: prefix "a" is already used by server "a"`}},
		{"duplicate empty prefix", "servers:\n  a: {command: x, prefix: \"\"}\n  b:\n    command: y\n    prefix: \"\"\n",
			[]string{`t.yaml:5: servers.b.prefix: empty prefix is already used by server "a"`}},
		{"null prefix", srv + "    prefix:\n",
			[]string{`t.yaml:4: servers.ev.prefix: expected a string, got null`}},
		{"bad sessions", srv + "    sessions: sometimes\n",
			[]string{`t.yaml:4: servers.ev.sessions: must be "shared" or "per-client"`}},
		{"bad policy default", srv + "policy:\n  default: maybe\n",
			[]string{`t.yaml:5: policy.default: must be "allow" or "deny", got "maybe"`}},
		{"bad server policy", srv + "    policy: {default: block}\n",
			[]string{`t.yaml:4: servers.ev.policy.default: must be "allow" or "deny"`}},
		{"bad listen", srv + "listen: localhost\n",
			[]string{`t.yaml:4: listen: must be host:port`}},
		{"bad listen port", srv + "listen: \"127.0.0.1:http\"\n",
			[]string{`t.yaml:4: listen: port must be a number`}},
		{"bad path", srv + "path: mcp\n",
			[]string{`t.yaml:4: path: must be an absolute URL path`}},
		{"bad origin", srv + "allowed_origins: [\"http://localhost:3000/app\"]\n",
			[]string{`t.yaml:4: allowed_origins[0]: invalid origin`}},
		{"wildcard origin", srv + "allowed_origins:\n  - http://a\n  - \"*\"\n",
			[]string{`t.yaml:6: allowed_origins[1]: wildcard origins are not supported`}},
		{"null list", srv + "allowed_origins:\n",
			[]string{`t.yaml:4: allowed_origins: expected a sequence, got null (write [] for an empty list)`}},
		{"zero body size", srv + "max_body_bytes: 0\n",
			[]string{`t.yaml:4: max_body_bytes: must be greater than 0`}},
		{"no servers", "listen: 127.0.0.1:1\n",
			[]string{`t.yaml: servers: at least one server is required`}},
		{"auth issuer over http", srv + "auth:\n  issuer: http://id.example\n",
			[]string{`t.yaml:5: auth.issuer: must use https (http only on a loopback host), got "http://id.example"`}},
		{"auth hs256", srv + "auth:\n  issuer: https://id.example\n  algorithms: [RS256, HS256, none]\n",
			[]string{`t.yaml:6: auth.algorithms[1]: "HS256" is not accepted`, `auth.algorithms[2]: "none" is not accepted`}},
		{"auth embedded keys with issuer", srv + "auth:\n  issuer: https://id.example\n  access_token_ttl: 10m\n",
			[]string{`t.yaml:6: auth.access_token_ttl: configures the embedded authorization server`}},
		{"auth long ttl", srv + "auth:\n  mode: embedded\n  access_token_ttl: 24h\n",
			[]string{`t.yaml:6: auth.access_token_ttl: must be between 1m and 1h`}},
		{"auth bad mode", srv + "auth:\n  mode: magic\n",
			[]string{`t.yaml:5: auth.mode: must be "embedded" or "external", got "magic"`}},
		{"auth client without keys", srv + "auth:\n  clients:\n    ci-bot:\n      grant_types: [client_credentials]\n",
			[]string{`auth.clients.ci-bot.jwks_file: client_credentials needs the client's public keys`}},
		{"auth literal introspection secret", srv + "auth:\n  issuer: https://id.example\n  introspection: {client_id: gw, client_secret: hunter2}\n",
			[]string{`auth.introspection.client_secret: must be a reference`}},
		{"scopes without auth", srv + "    tools:\n      echo: {scopes: [ev.read]}\n",
			[]string{`t.yaml:5: servers.ev.tools.echo.scopes: scopes are checked against the caller's OAuth token or certificate: configure auth`}},
		{"tls without key", srv + "tls:\n  cert_file: s.pem\n",
			[]string{`tls: cert_file and key_file are both required`}},
		{"tls principals without CA", srv + "tls:\n  cert_file: s.pem\n  key_file: s.key\n  principals:\n    spiffe://example.org/ci: {scopes: [a]}\n",
			[]string{`tls.principals: needs tls.client_ca_file`}},
		{"tls principal not an identity", srv + "tls:\n  cert_file: s.pem\n  key_file: s.key\n  client_ca_file: ca.pem\n  principals:\n    bob: {scopes: [a]}\n",
			[]string{`tls.principals.bob: a certificate identity is a SPIFFE ID`}},
		{"upstream pin", "servers:\n  d:\n    url: https://d.example/mcp\n    tls: {pin_sha256: [abc]}\n",
			[]string{`servers.d.tls.pin_sha256[0]: must be the base64 SHA-256`}},
		{"upstream tls on http", "servers:\n  d:\n    url: http://127.0.0.1:1/mcp\n    tls: {ca_file: ca.pem}\n",
			[]string{`servers.d.tls: the server's url is not https`}},
		{"bad scope", srv + "    scopes: [\"a b\"]\nauth: {issuer: https://id.example}\n",
			[]string{`servers.ev.scopes[0]: invalid scope "a b"`}},
		{"duplicate key", "servers:\n  ev:\n    command: x\n    command: y\n",
			[]string{`t.yaml:4: servers.ev.command: duplicate key (first defined at line 3)`}},
		{"duplicate server", "servers:\n  ev: {command: x}\n  ev: {command: y}\n",
			[]string{`t.yaml:3: servers.ev: duplicate key (first defined at line 2)`}},
		{"merge key", "servers:\n  base: &b {command: x}\n  ev:\n    <<: *b\n    timeout: 5s\n",
			[]string{`t.yaml:4: servers.ev: merge keys (<<) are not supported`}},
		{"multi-doc", srv + "---\nlisten: 127.0.0.1:1\n",
			[]string{`t.yaml:4: multiple YAML documents`}},
		{"trailing document marker", srv + "---\n",
			[]string{`t.yaml:4: multiple YAML documents`}},
		{"empty file", "", []string{`t.yaml: file is empty`}},
		{"comments only", "# nothing here\n", []string{`t.yaml: file is empty`}},
		{"null document", "---\n", []string{`t.yaml:2: file is empty`}},
		{"top-level scalar", "hello\n", []string{`t.yaml:1: expected a mapping of settings at the top level, got string "hello"`}},
		{"syntax error", "servers:\n  ev: {command: x\n", []string{`t.yaml:`, `invalid YAML`}},
		{"custom tag", srv + "listen: !secret x\n", []string{`t.yaml:4: listen: unsupported tag !secret`}},
		{"non-scalar key", srv + "? [a]\n: b\n", []string{`t.yaml:4: keys must be plain strings`}},
		{"unresolvable alias loop", srv + "    args: &a [*a]\n",
			[]string{`t.yaml:4: servers.ev.args[0]: expected a string, got a sequence`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, err := parse(t, tt.src)
			if err == nil {
				t.Fatalf("expected an error, got config %+v", c)
			}
			if c != nil {
				t.Errorf("config returned together with an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error:\n%v\ndoes not contain:\n%s", err, w)
				}
			}
		})
	}
}

func TestSecretNeverInErrors(t *testing.T) {
	const secret = "hunter2-very-secret"
	_, _, err := parse(t, "servers:\n  d:\n    url: http://a/\n    headers: {Authorization: \"Bearer "+secret+"\"}\n")
	if err == nil || strings.Contains(err.Error(), secret) {
		t.Errorf("error %v", err)
	}
	_, _, err = parse(t, "servers:\n  d:\n    url: \"http://u:"+secret+"@a/\"\n")
	if err == nil || strings.Contains(err.Error(), secret) {
		t.Errorf("error %v", err)
	}
	_, _, err = parse(t, "servers:\n  d:\n    url: \"http://u:"+secret+"@a:bad/\"\n")
	if err == nil || strings.Contains(err.Error(), secret) {
		t.Errorf("error %v", err)
	}
}

func TestAllErrorsReported(t *testing.T) {
	_, _, err := parse(t, `listen: nope
servers:
  a:
    comand: x
  b:
    command: y
    url: http://x/
  c:
    command: z
    timeout: 5
policy: {default: perhaps}
`)
	if err == nil {
		t.Fatal("expected error")
	}
	lines := strings.Split(err.Error(), "\n")
	want := []string{
		"t.yaml:1: listen: must be host:port",
		"t.yaml:4: servers.a.comand: unknown key",
		"t.yaml:5: servers.b: set either command or url, not both",
		"t.yaml:10: servers.c.timeout: expected a duration with a unit",
		"t.yaml:11: policy.default: must be",
	}
	if len(lines) != len(want) {
		t.Fatalf("got %d errors, want %d:\n%v", len(lines), len(want), err)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("error %d = %q, want prefix %q", i, lines[i], w)
		}
	}
	var ce *Error
	if !errors.As(err, &ce) || ce.File != "t.yaml" || ce.Line == 0 {
		t.Errorf("errors.As(*Error) = %+v", ce)
	}
}

func TestLiteralSecrets(t *testing.T) {
	ghp := "ghp_" + strings.Repeat("a1B2", 9)
	for _, tc := range []struct{ name, yaml, want string }{
		{"env literal under a secret name", "servers:\n  a:\n    command: x\n    env: {API_KEY: abc}\n",
			"t.yaml:4: servers.a.env.API_KEY: looks like a secret written as a literal"},
		{"token shape in args", "servers:\n  a:\n    command: x\n    args: [--token, " + ghp + "]\n",
			"t.yaml:4: servers.a.args[1]: a literal secret (it has the shape of a github token)"},
		{"token shape in a harmless header", "servers:\n  a:\n    url: https://h.example/mcp\n    headers: {X-Thing: " + ghp + "}\n",
			"t.yaml:4: servers.a.headers.X-Thing: a literal secret"},
		{"vault reference without secrets.vault", "servers:\n  a:\n    command: x\n    env: {GITHUB_TOKEN: \"vault:secret/data/mcp/github#token\"}\n",
			"t.yaml:4: servers.a.env.GITHUB_TOKEN: vault: references need secrets.vault"},
		{"bad vault reference", "servers:\n  a:\n    command: x\n    env: {GITHUB_TOKEN: \"vault:secret/data/mcp/github\"}\n",
			"vault:PATH#FIELD needs a secret path and a field"},
		{"vault token literal", "secrets:\n  vault: {address: \"http://127.0.0.1:8200\", auth: {token: hvs.abc}}\nservers:\n  a: {command: x}\n",
			"t.yaml:2: secrets.vault.auth.token: must be a reference"},
		{"vault over plain http to another host", "secrets:\n  vault: {address: \"http://vault.example:8200\", auth: {token: \"env:VT\"}}\nservers:\n  a: {command: x}\n",
			"secrets.vault.address: plain http is allowed only to a loopback address"},
		{"approle without secret id", "secrets:\n  vault: {address: \"https://vault.example\", auth: {method: approle, role_id: r1}}\nservers:\n  a: {command: x}\n",
			"secrets.vault.auth.secret_id: required for auth.method approle"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Parse([]byte(tc.yaml), "t.yaml", t.TempDir())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want %q", err, tc.want)
			}
			if strings.Contains(err.Error(), ghp) || strings.Contains(err.Error(), "hvs.abc") {
				t.Fatalf("the error repeats the secret: %v", err)
			}
		})
	}
	// Benign twins: references everywhere, and a vault configuration.
	ok := "secrets:\n  refresh: 1m\n  vault: {address: \"https://vault.example:8200\", auth: {method: approle, role_id: r1, secret_id: \"env:SID\"}}\n" +
		"servers:\n  a:\n    command: x\n    args: [--verbose]\n    env: {GITHUB_TOKEN: \"vault:secret/data/mcp/github#token\", MODE: fast}\n"
	c, _, err := Parse([]byte(ok), "t.yaml", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	refs := c.References()
	if len(refs) != 2 || refs[1].Path != "secrets.vault.auth.secret_id" || refs[0].Path != "servers.a.env.GITHUB_TOKEN" {
		t.Fatalf("References = %+v", refs)
	}
	if p, f, err := refs[0].Value.VaultPath(); p != "secret/data/mcp/github" || f != "token" || err != nil {
		t.Fatalf("VaultPath = %q %q %v", p, f, err)
	}
	if _, err := refs[0].Value.ResolveDirect(); err == nil || !strings.Contains(err.Error(), "secrets.vault") {
		t.Fatalf("a vault: reference resolved without a Resolver: %v", err)
	}
}

func TestValueResolve(t *testing.T) {
	const secret = "s3cr3t-value"
	t.Setenv("MCPW_TEST_TOKEN", secret)
	os.Unsetenv("MCPW_TEST_MISSING")

	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "tok"), []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "crlf"), []byte(secret+"\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(dir, "mcpwarden.yaml")
	err := os.WriteFile(cfgPath, []byte(`servers:
  d:
    url: http://a/
    headers:
      Authorization: env:MCPW_TEST_TOKEN
      X-Token: file:tok
      X-Secret: file:crlf
      X-Missing: env:MCPW_TEST_MISSING
      X-Nofile: file:nope
      X-Plain: hello
policy: {default: deny}
`), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	c, _, err := Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	h := c.Servers.Values["d"].Headers
	for _, tc := range []struct {
		key, ref, want string
		wantErr        string
	}{
		{"Authorization", "env:MCPW_TEST_TOKEN", secret, ""},
		{"X-Token", "file:tok", secret, ""},
		{"X-Secret", "file:crlf", secret, ""},
		{"X-Plain", "hello", "hello", ""},
		{"X-Missing", "env:MCPW_TEST_MISSING", "", "env:MCPW_TEST_MISSING: environment variable MCPW_TEST_MISSING is not set"},
		{"X-Nofile", "file:nope", "", "file:nope"},
	} {
		v := h.Values[tc.key]
		if v.String() != tc.ref {
			t.Errorf("%s: String() = %q, want %q", tc.key, v.String(), tc.ref)
		}
		if v.IsRef() != (tc.ref != tc.want || tc.wantErr != "") {
			t.Errorf("%s: IsRef() = %v", tc.key, v.IsRef())
		}
		got, err := v.Resolve()
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || strings.Contains(err.Error(), secret) {
				t.Errorf("%s: Resolve error = %v", tc.key, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s: Resolve() = %q, %v", tc.key, got, err)
		}
	}

	// Relative file: paths are relative to baseDir, absolute ones are not.
	v, err := NewValue("file:tok", dir)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := v.Resolve(); err != nil || got != secret {
		t.Errorf("Resolve = %q, %v", got, err)
	}
	v, _ = NewValue("file:"+filepath.Join(dir, "tok"), "/elsewhere")
	if got, err := v.Resolve(); err != nil || got != secret {
		t.Errorf("absolute Resolve = %q, %v", got, err)
	}
	if _, err := NewValue("env:1BAD", ""); err == nil {
		t.Error("NewValue accepted env:1BAD")
	}
	if _, err := NewValue("file:", ""); err == nil {
		t.Error("NewValue accepted file:")
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "mcpwarden.yaml")
	if err := os.WriteFile(p, []byte("servers:\n  ev:\n    comand: x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err := Load(p)
	if err == nil || !strings.Contains(err.Error(), p+":3: servers.ev.comand: unknown key") {
		t.Errorf("Load error = %v", err)
	}
	if _, _, err := Load(filepath.Join(dir, "missing.yaml")); err == nil {
		t.Error("Load of a missing file succeeded")
	}
	if _, _, err := Load(dir); err == nil {
		t.Error("Load of a directory succeeded")
	}
}

func TestIsLoopbackListen(t *testing.T) {
	for in, want := range map[string]bool{
		"127.0.0.1:8931": true, "127.1.2.3:1": true, "localhost:80": true, "LOCALHOST:80": true,
		"[::1]:8931": true, "0.0.0.0:8931": false, ":8931": false, "[::]:1": false,
		"192.168.1.1:80": false, "example.com:80": false, "127.0.0.1": false, "": false,
	} {
		if got := IsLoopbackListen(in); got != want {
			t.Errorf("IsLoopbackListen(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestOriginAllowed(t *testing.T) {
	allowed := []string{"https://app.example.com", "http://localhost:*", "http://127.0.0.1:3000"}
	for in, want := range map[string]bool{
		"https://app.example.com":      true,
		"https://APP.example.com:443":  true,
		"https://app.example.com:8443": false,
		"http://app.example.com":       false,
		"http://localhost":             true,
		"http://localhost:5173":        true,
		"https://localhost:5173":       false,
		"http://127.0.0.1:3000":        true,
		"http://127.0.0.1:3001":        false,
		"http://evil.com":              false,
		"null":                         false,
		"":                             false,
	} {
		if got := OriginAllowed(allowed, in); got != want {
			t.Errorf("OriginAllowed(%q) = %v, want %v", in, got, want)
		}
	}
	for _, o := range []string{"http://[::1]:5173", "https://127.0.0.1", "http://localhost:8931"} {
		if !OriginAllowed(DefaultAllowedOrigins, o) {
			t.Errorf("default origins refuse %q", o)
		}
	}
	if OriginAllowed(DefaultAllowedOrigins, "http://localhost.evil.com") {
		t.Error("default origins accept localhost.evil.com")
	}
}

func TestDuration(t *testing.T) {
	c, _ := mustParse(t, "servers: {a: {command: x, timeout: 1h30m, connect_timeout: 250ms}}\n")
	a := c.Servers.Values["a"]
	if a.Timeout.D() != 90*time.Minute || a.ConnectTimeout.String() != "250ms" {
		t.Errorf("durations: %s %s", a.Timeout, a.ConnectTimeout)
	}
}

// TestDecoderKinds exercises decoder paths the config types do not use.
func TestDecoderKinds(t *testing.T) {
	type inner struct {
		N int8 `yaml:"n"`
	}
	type all struct {
		S   string            `yaml:"s"`
		B   bool              `yaml:"b"`
		I   int               `yaml:"i"`
		U   uint16            `yaml:"u"`
		F   float64           `yaml:"f"`
		D   time.Duration     `yaml:"d"`
		P   *inner            `yaml:"p"`
		M   map[string]int    `yaml:"m"`
		L   []bool            `yaml:"l"`
		O   OrderedMap[int]   `yaml:"o"`
		V   Value             `yaml:"v"`
		Opt *string           `yaml:"opt"`
		Mp  map[string]*inner `yaml:"mp"`
		X   string            `yaml:"-"`
	}
	decode := func(src string) (all, error) {
		var out all
		root, perr := parseDocument([]byte(src), "t.yaml")
		if perr != nil {
			return out, perr
		}
		d := newDecoder("t.yaml")
		d.decode(reflect.ValueOf(&out).Elem(), root, "")
		return out, d.err()
	}
	got, err := decode("s: 12\nb: TRUE\ni: 0x10\nu: 65535\nf: 1.5\nd: 2m\np: {n: -3}\nm: {a: 1}\nl: [true, false]\no: {z: 1, a: 2}\nv: env:X\nmp: {k: {n: 1}}\n")
	if err != nil {
		t.Fatal(err)
	}
	if got.S != "12" || !got.B || got.I != 16 || got.U != 65535 || got.F != 1.5 || got.D != 2*time.Minute ||
		got.P == nil || got.P.N != -3 || got.M["a"] != 1 || !reflect.DeepEqual(got.L, []bool{true, false}) ||
		!reflect.DeepEqual(got.O.Keys, []string{"z", "a"}) || got.O.Values["a"] != 2 || !got.V.IsRef() ||
		got.Opt != nil || got.Mp["k"].N != 1 {
		t.Errorf("decoded %+v", got)
	}
	for src, want := range map[string]string{
		"u: -1\n":         "u: expected a non-negative integer",
		"p: {n: 300}\n":   "p.n: integer 300 out of range",
		"f: .inf\n":       "f: expected a finite number",
		"d: 10\n":         "d: expected a duration with a unit",
		"X: a\n":          `X: unknown key`,
		"m: {a: 1, a: 2}": "m.a: duplicate key",
		"b: !!bool yes\n": `b: expected a boolean (true or false), got "yes"`,
		"i: 1.5\n":        "i: expected an integer, got float 1.5",
	} {
		_, err := decode(src)
		if err == nil || !strings.Contains(err.Error(), "t.yaml:1: "+want) {
			t.Errorf("%q: error %v, want %q", src, err, want)
		}
	}
}

func TestOrderedMapSet(t *testing.T) {
	var m OrderedMap[int]
	m.Set("b", 1)
	m.Set("a", 2)
	m.Set("b", 3)
	if !reflect.DeepEqual(m.Keys, []string{"b", "a"}) || m.Values["b"] != 3 || m.Len() != 2 {
		t.Errorf("%+v", m)
	}
	if v, ok := m.Get("a"); !ok || v != 2 {
		t.Errorf("Get = %v %v", v, ok)
	}
}

func TestAliasExpansionBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("x: &r {")
	for i := range 1000 {
		fmt.Fprintf(&b, "k%d: 1, ", i)
	}
	b.WriteString("}\ny: &t {")
	for i := range 1000 {
		fmt.Fprintf(&b, "t%d: *r, ", i)
	}
	b.WriteString("}\nservers:\n")
	for i := range 1000 {
		fmt.Fprintf(&b, "  s%d: {command: x, tools: *t}\n", i)
	}
	start := time.Now()
	_, _, err := parse(t, b.String())
	if err == nil || !strings.Contains(err.Error(), "too many alias expansions") {
		t.Errorf("error = %.500v", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %s", d)
	}
}
