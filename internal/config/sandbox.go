package config

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/mcpwarden/mcpwarden/internal/egress"
	"github.com/mcpwarden/mcpwarden/internal/sandbox"
)

// SandboxFS are the paths a sandboxed server may see.
type SandboxFS struct {
	// Read are paths visible read-only.
	Read []string `yaml:"read"`
	// Write are paths visible and writable.
	Write []string `yaml:"write"`
}

// Sandboxed reports whether the server runs in a sandbox.
func (s *Server) Sandboxed() bool {
	return s.IsStdio() && s.Sandbox != "" && s.Sandbox != sandbox.KindNone
}

// sandbox checks sandbox, fs and egress of one server.
func (v *validator) sandbox(p string, s *Server, stdio bool) {
	hasSandbox, hasFS, hasEgress := v.has(p+".sandbox"), v.has(p+".fs"), v.has(p+".egress")
	if !stdio {
		for k, has := range map[string]bool{"sandbox": hasSandbox, "fs": hasFS, "egress": hasEgress} {
			if has {
				v.errorf(p+"."+k, "only valid for command servers (a url server is not started by the gateway)")
			}
		}
		return
	}
	if hasSandbox {
		ok := false
		for _, k := range sandbox.Kinds {
			ok = ok || s.Sandbox == k
		}
		if !ok {
			v.errorf(p+".sandbox", "must be %s, got %q", strings.Join(sandbox.Kinds, ", "), truncate(s.Sandbox))
			return
		}
	}
	sandboxed := s.Sandbox != "" && s.Sandbox != sandbox.KindNone
	if !sandboxed {
		// Grants without a sandbox would be silently meaningless.
		if hasFS {
			v.errorf(p+".fs", "needs a sandbox (sandbox: bwrap, landlock or runsc); without one the server sees every file")
		}
		if hasEgress {
			v.errorf(p+".egress", "needs a sandbox (sandbox: bwrap, landlock or runsc); without one the server reaches any destination")
		}
		return
	}
	if s.FS != nil {
		for kind, list := range map[string][]string{"read": s.FS.Read, "write": s.FS.Write} {
			for i, g := range list {
				if g == "" || strings.ContainsRune(g, 0) {
					v.errorf(indexPath(p+".fs."+kind, i), "must be a path")
					continue
				}
				for _, part := range strings.Split(filepath.ToSlash(g), "/") {
					if part == ".." {
						v.errorf(indexPath(p+".fs."+kind, i), "must not contain \"..\", got %q", truncate(g))
						break
					}
				}
			}
		}
	}
	for i, e := range s.Egress {
		if _, err := egress.ParseRule(e); err != nil {
			v.errorf(indexPath(p+".egress", i), "%s (entries are host:port, host for port 443, or *.domain[:port])", err)
		}
	}
}

// ProtectedPaths are the gateway's own files, which no grant may expose:
// what they are → where (absolute, as configured).
func (c *Config) ProtectedPaths(configFile string) map[string]string {
	m := map[string]string{"the gateway's configuration file": configFile}
	if c.Store.Path != MemoryStore {
		m["the store (store.path)"] = c.Store.Path
	}
	if c.Pin != nil {
		m["the lockfile (pin.lockfile)"] = c.Pin.Lockfile
	}
	if c.Audit.File != StdoutFile {
		m["the audit file (audit.file)"] = c.Audit.File
	}
	if t := c.TLS; t != nil {
		m["tls.key_file"], m["tls.cert_file"], m["tls.client_ca_file"] = t.KeyFile, t.CertFile, t.ClientCAFile
	}
	for _, name := range c.Servers.Keys {
		if sc := c.Servers.Values[name]; sc != nil && sc.TLS != nil {
			m["servers."+name+".tls.key_file"] = sc.TLS.KeyFile
		}
		if sc := c.Servers.Values[name]; sc != nil {
			for kind, vals := range map[string]OrderedMap[Value]{"env": sc.Env, "headers": sc.Headers} {
				for _, k := range vals.Keys {
					if f := vals.Values[k].FilePath(); f != "" {
						m["the secret file of servers."+name+"."+kind+"."+k] = f
					}
				}
			}
		}
	}
	if a := c.Auth; a != nil {
		for _, id := range a.Clients.Keys {
			if cl := a.Clients.Values[id]; cl != nil && cl.JWKSFile != "" {
				m["auth.clients."+id+".jwks_file"] = cl.JWKSFile
			}
		}
	}
	for i, r := range c.Detect.Rules {
		m[indexPath("detect.rules", i)] = r
	}
	for k, p := range m {
		if p == "" {
			delete(m, k)
		} else if !filepath.IsAbs(p) {
			if a, err := filepath.Abs(p); err == nil {
				m[k] = a
			}
		}
	}
	return m
}

// sandboxGrants makes grants absolute and refuses those that expose the
// gateway's own files, the user's home or its credentials (after
// defaults, when every path is absolute).
func (v *validator) sandboxGrants(name, baseDir string) {
	c := v.cfg
	configFile := name
	if baseDir != "" && !filepath.IsAbs(name) {
		configFile = filepath.Join(baseDir, filepath.Base(name))
	}
	c.ConfigFile = configFile
	home, _ := os.UserHomeDir()
	var protected map[string]string
	for _, sn := range c.Servers.Keys {
		s := c.Servers.Values[sn]
		if s == nil || !s.Sandboxed() || s.FS == nil {
			continue
		}
		if protected == nil {
			protected = c.ProtectedPaths(configFile)
		}
		p := joinPath("servers", sn)
		for kind, list := range map[string][]string{"read": s.FS.Read, "write": s.FS.Write} {
			for i, g := range list {
				g = filepath.Clean(relTo(baseDir, g))
				list[i] = g
				if err := sandbox.CheckGrant(g, protected, home); err != nil {
					v.errorf(indexPath(p+".fs."+kind, i), "%s", err)
				}
			}
		}
	}
}
