package main

import (
	"github.com/mcpwarden/mcpwarden/internal/config"
	"github.com/mcpwarden/mcpwarden/internal/sandbox"
)

// doctorSandbox reports what this host offers for sandboxing stdio servers
// and whether each stdio server runs in a sandbox the host supports.
func doctorSandbox(cfg *config.Config, r *doctorReport) {
	avail := map[string]bool{}
	for _, st := range sandbox.Probe() {
		avail[st.Kind] = st.Available
		switch {
		case st.Available:
			r.add(verdictPass, "sandbox "+st.Kind, "%s", st.Detail)
		case st.Kind == sandbox.KindRunsc:
			r.add(verdictPass, "sandbox "+st.Kind, "%s (optional runtime)", st.Detail)
		default:
			r.add(verdictWarn, "sandbox "+st.Kind, "%s", st.Detail)
		}
	}
	for _, name := range cfg.ServerNames() {
		sc, _ := cfg.Servers.Get(name)
		if !sc.IsStdio() {
			continue
		}
		switch kind := sc.Sandbox; {
		case !sc.Sandboxed():
			r.add(verdictWarn, "server "+name, "runs unsandboxed: it can read what the gateway's user can and reach any host; set sandbox: bwrap with fs grants (and egress if it needs the network)")
		case !avail[kind]:
			r.add(verdictFail, "server "+name, "sandbox: %s is not available on this host, so the server cannot start", kind)
		case len(sc.Egress) == 0:
			r.add(verdictPass, "server "+name, "sandbox: %s, no network", kind)
		default:
			r.add(verdictPass, "server "+name, "sandbox: %s, egress only to %v", kind, sc.Egress)
		}
	}
}
