package main

import (
	"os/exec"

	"github.com/mcpwarden/mcpwarden/internal/config"
)

// doctorSandbox reports what this host offers for sandboxing stdio
// servers. (The per-server sandbox setting joins this check with the
// sandbox package.)
func doctorSandbox(cfg *config.Config, r *doctorReport) {
	if path, err := exec.LookPath("bwrap"); err != nil {
		r.add(verdictWarn, "sandbox", "bubblewrap (bwrap) is not installed: apt-get install bubblewrap")
	} else if out, err := exec.Command(path, "--ro-bind", "/", "/", "--unshare-all", "--die-with-parent", "--dev", "/dev", "--proc", "/proc", "true").CombinedOutput(); err != nil {
		r.add(verdictWarn, "sandbox", "bwrap cannot create namespaces here (user namespaces disabled?): %s", firstLine(string(out)))
	} else {
		r.add(verdictPass, "sandbox", "bwrap works (user, mount, PID, IPC, network namespaces)")
	}
}
