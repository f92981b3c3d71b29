package config

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

var fuzzSeeds = []string{
	"",
	"---\n",
	"# comment\n",
	"servers: {a: {command: x}}\n",
	"servers:\n  ev:\n    comand: npx\n",
	"servers:\n  ev:\n    command: x\n    tools:\n      get-env: {allow: maybe}\n",
	"servers:\n  ev: {command: x, url: http://a/}\n",
	"servers:\n  d:\n    url: http://a/\n    headers: {Authorization: abc, X-Token: \"env:T\", X-K: \"file:k\"}\n",
	"servers:\n  base: &b {command: x}\n  ev:\n    <<: *b\n",
	"servers:\n  a: &a {command: x, args: &l [*l]}\n  b: *a\n",
	"a: 1\n---\nb: 2\n",
	"servers: {a: {command: x, timeout: 30}}\nmax_body_bytes: 0755\n",
	"servers: {a: {command: x, prefix: \"\"}, b: {command: y, prefix: \"\"}}\n",
	"servers: {\"a[\": {command: x, tools: {\"[\": {allow: true}}}}\n",
	"listen: \"[::1]:0\"\nallowed_origins: [\"http://localhost:*\", \"*\"]\nservers: {a: {url: \"https://u:p@h/\"}}\nauth: {issuer: x}\n",
	"? [a]\n: b\n",
	"x: !secret y\n",
	"servers:\n  a:\n    command: x\n    restart: {initial_backoff: 1m, max_backoff: 1s}\n    policy: {}\n",
}

func FuzzLoad(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Add(DefaultYAML)
	if b, err := os.ReadFile("../../mcpwarden.example.yaml"); err == nil {
		f.Add(b)
	}
	lineRE := regexp.MustCompile(`^fuzz\.yaml(:\d+)?: `)
	f.Fuzz(func(t *testing.T, data []byte) {
		// Parse is bounded; a hang becomes a crash the fuzzer records.
		timer := time.AfterFunc(10*time.Second, func() {
			panic(fmt.Sprintf("Parse of %d bytes took longer than 10s", len(data)))
		})
		c, _, err := Parse(data, "fuzz.yaml", "/base")
		timer.Stop()
		if err != nil {
			if c != nil {
				t.Fatal("config returned with an error")
			}
			for _, line := range strings.Split(err.Error(), "\n") {
				if !lineRE.MatchString(line) && !strings.HasPrefix(line, "... and ") {
					t.Fatalf("error line without file prefix: %q", line)
				}
				if strings.Contains(line, "internal error") {
					t.Fatalf("recovered panic: %s", line)
				}
			}
			return
		}
		if c.Servers.Len() == 0 || c.Listen == "" || c.NamespaceSeparator == "" || c.MaxBodyBytes <= 0 ||
			c.SessionIdleTimeout <= 0 || (c.Policy.Default != PolicyAllow && c.Policy.Default != PolicyDeny) ||
			c.Audit.Store == nil || c.Store.Path == "" || c.Auth != nil {
			t.Fatalf("invalid config accepted: %+v", c)
		}
		prefixes := map[string]bool{}
		for _, name := range c.ServerNames() {
			s := c.Servers.Values[name]
			if s == nil || s.Name != name || s.Prefix == nil || s.Timeout <= 0 || s.ConnectTimeout <= 0 ||
				(s.Command == "") == (s.URL == "") || s.Transport == "" || s.Sessions == "" {
				t.Fatalf("invalid server accepted: %+v", s)
			}
			if prefixes[*s.Prefix] {
				t.Fatalf("duplicate prefix %q accepted", *s.Prefix)
			}
			prefixes[*s.Prefix] = true
			for _, k := range s.Headers.Keys {
				if looksSecret(k) && !s.Headers.Values[k].IsRef() {
					t.Fatalf("literal secret header %q accepted", k)
				}
			}
			for _, k := range s.Tools.Keys {
				if r := s.Tools.Values[k]; r == nil || r.Allow == nil {
					t.Fatalf("empty rule %q accepted", k)
				}
			}
		}
	})
}
