// Package sandbox confines a stdio MCP server: it turns the command the
// configuration names into a command that runs it inside bubblewrap (new
// user, mount, PID, IPC, UTS, network and cgroup namespaces, a minimal
// read-only view of the system, a seccomp filter), under Landlock (the
// mcpwarden binary re-executed as a launcher that restricts itself, then
// execs the server) or in gVisor (runsc with a generated OCI bundle).
//
// It guards against a server that was compromised or malicious from the
// start (the package that BCC'd every email it sent): such a server sees
// only the paths the configuration grants (fs.read, fs.write), an empty home
// and a private /tmp, none of the gateway's files (configuration, store,
// keys, lockfile, audit log) and none of the user's secrets; it has no
// network at all, or only the gateway's egress proxy (package egress) when
// servers.NAME.egress allows destinations. The environment is exactly what
// the configuration passes.
//
// What it trusts: the kernel's namespaces, Landlock and seccomp, the
// bubblewrap and runsc binaries found on the host, and the system
// directories it binds read-only (/usr and a few /etc files). It does not
// stop a server from misusing what it was granted: a granted directory can
// be read (and written, if granted so) in full, and an allowed destination
// can receive anything the server sends it.
package sandbox

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// Kinds of sandbox (servers.NAME.sandbox).
const (
	KindNone     = "none"
	KindBwrap    = "bwrap"
	KindLandlock = "landlock"
	KindRunsc    = "runsc"
)

// Kinds lists the valid values of servers.NAME.sandbox.
var Kinds = []string{KindBwrap, KindLandlock, KindRunsc, KindNone}

// Paths inside a sandbox.
const (
	// Home is the sandbox's empty home directory (a tmpfs).
	Home = "/home/sandbox"
	// RunDir holds what the gateway puts into a sandbox: its own binary
	// (the launcher) and the egress socket.
	RunDir = "/run/mcpwarden"
	// SelfInside is where the mcpwarden binary is bound (read-only).
	SelfInside = RunDir + "/mcpwarden"
	// EgressSocketInside is the server's egress endpoint inside a bwrap or
	// runsc sandbox.
	EgressSocketInside = RunDir + "/egress/egress.sock"
	// ProxyListen is where the forwarder listens inside a sandbox's own
	// network namespace (nothing else listens there).
	ProxyListen = "127.0.0.1:3128"
)

// Spec is one sandboxed start of a server.
type Spec struct {
	// Kind is KindBwrap, KindLandlock or KindRunsc.
	Kind string
	// Server is the server's name (for messages and ids).
	Server string
	// Command is the server's executable: an absolute path, symlinks
	// resolved (see Resolve).
	Command string
	Args    []string
	// Env is the server's complete environment (HOME, TMPDIR are set by
	// the sandbox).
	Env []string
	// Dir is the configured working directory; it is used only when a
	// grant covers it (otherwise /tmp).
	Dir string
	// Read and Write are the granted paths, absolute and clean.
	Read, Write []string
	// Self is the mcpwarden binary (launcher and forwarder).
	Self string
	// EgressDir is the host directory holding this server's egress socket
	// (egress.sock), bound into bwrap and runsc sandboxes. Empty: no
	// network at all.
	EgressDir string
	// ProxyAddr is the egress proxy's loopback TCP address, used by
	// landlock sandboxes (which share the host's network namespace).
	ProxyAddr string
	// StateDir is a private directory for this start (runsc bundles).
	StateDir string
}

// Network reports whether the server reaches the egress proxy.
func (s *Spec) Network() bool { return s.EgressDir != "" || s.ProxyAddr != "" }

// systemDirs are bound read-only into bwrap and runsc sandboxes and
// readable under Landlock: programs and their libraries.
var systemDirs = []string{"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"}

// systemEtc are the /etc entries dynamic linking, TLS, locale and name
// lookups of the loopback proxy need; nothing else of /etc is visible.
var systemEtc = []string{
	"/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives",
	"/etc/ssl", "/etc/ca-certificates", "/etc/pki", "/etc/crypto-policies",
	"/etc/hosts", "/etc/nsswitch.conf", "/etc/host.conf", "/etc/gai.conf",
	"/etc/localtime", "/etc/mime.types",
}

// Resolve finds the executable for command (a name is looked up in PATH)
// and follows its symlinks.
func Resolve(command string) (string, error) {
	p, err := exec.LookPath(command)
	if err != nil {
		return "", err
	}
	if p, err = filepath.Abs(p); err != nil {
		return "", err
	}
	return filepath.EvalSymlinks(p)
}

// Covers reports whether granting path grant exposes target: target is
// grant or lies below it.
func Covers(grant, target string) bool {
	grant, target = filepath.Clean(grant), filepath.Clean(target)
	if grant == target || grant == "/" {
		return true
	}
	return strings.HasPrefix(target, grant+string(filepath.Separator))
}

// Within reports whether path lies inside one of dirs.
func Within(path string, dirs []string) bool {
	for _, d := range dirs {
		if Covers(d, path) {
			return true
		}
	}
	return false
}

// HomeSecrets are paths below a home directory that hold credentials; a
// grant may not cover or lie inside them.
var HomeSecrets = []string{".ssh", ".aws", ".gnupg", ".kube", ".docker", ".config/gcloud", ".azure",
	".netrc", ".npmrc", ".pypirc", ".git-credentials", ".config/gh", ".password-store", ".vault-token"}

// HostSensitive are host paths a grant may not cover or lie inside.
var HostSensitive = []string{"/proc", "/sys", "/dev", "/run/docker.sock", "/var/run/docker.sock",
	"/run/containerd", "/run/podman", "/etc/shadow", "/etc/gshadow", "/etc/sudoers", "/root/.ssh"}

// CheckGrant refuses a grant that would expose something the sandbox must
// hide: one of protected (the gateway's own files), the user's home (or a
// credential directory inside it), or a sensitive host path. It works on
// the paths as given; callers resolve symlinks first when the paths exist.
func CheckGrant(grant string, protected map[string]string, home string) error {
	grant = filepath.Clean(grant)
	if !filepath.IsAbs(grant) {
		return fmt.Errorf("%q is not an absolute path", grant)
	}
	whats := make([]string, 0, len(protected))
	for what := range protected {
		whats = append(whats, what)
	}
	sort.Strings(whats)
	for _, what := range whats {
		if p := protected[what]; p != "" && Covers(grant, p) {
			return fmt.Errorf("%s covers %s (%s); grant a narrower path", grant, what, p)
		}
	}
	if home != "" && home != "/" {
		if Covers(grant, home) {
			return fmt.Errorf("%s covers the user's home directory %s; grant a directory inside it instead", grant, home)
		}
		for _, s := range HomeSecrets {
			sp := filepath.Join(home, s)
			if Covers(grant, sp) || Covers(sp, grant) {
				return fmt.Errorf("%s exposes %s, where credentials live", grant, sp)
			}
		}
	}
	for _, s := range HostSensitive {
		if Covers(grant, s) || Covers(s, grant) {
			return fmt.Errorf("%s exposes %s", grant, s)
		}
	}
	return nil
}

// ErrMissing is returned when the sandbox's runtime is not on this host.
var ErrMissing = errors.New("not available on this host")

// workDir is the directory the server starts in: Dir when a grant covers
// it, else /tmp.
func (s *Spec) workDir() string {
	if s.Dir != "" && (Within(s.Dir, s.Read) || Within(s.Dir, s.Write)) {
		return s.Dir
	}
	return "/tmp"
}

// env is the server's environment inside the sandbox: HOME and TMPDIR
// point into the sandbox, host cache paths are dropped.
func (s *Spec) env() []string {
	out := make([]string, 0, len(s.Env)+2)
	for _, kv := range s.Env {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "HOME", "TMPDIR", "NPM_CONFIG_CACHE", "npm_config_cache", "XDG_CACHE_HOME", "XDG_RUNTIME_DIR":
			continue
		}
		out = append(out, kv)
	}
	return append(out, "HOME="+Home, "TMPDIR=/tmp")
}

// ProxyEnv are the variables that point HTTP clients at the egress proxy
// at addr (host:port).
func ProxyEnv(addr string) []string {
	u := "http://" + addr
	return []string{"HTTP_PROXY=" + u, "HTTPS_PROXY=" + u, "ALL_PROXY=" + u,
		"http_proxy=" + u, "https_proxy=" + u, "all_proxy=" + u,
		"NO_PROXY=", "no_proxy=", "NODE_USE_ENV_PROXY=1"}
}

// Status is what Probe found about one kind of sandbox.
type Status struct {
	Kind      string
	Available bool
	Detail    string // version, ABI, or why not
}

// Probe reports which sandboxes this host supports (for mcpwarden doctor).
// It runs bwrap once with an empty sandbox, and asks the kernel for its
// Landlock ABI.
func Probe() []Status {
	out := []Status{}
	if p, err := exec.LookPath("bwrap"); err != nil {
		out = append(out, Status{Kind: KindBwrap, Detail: "bwrap (Debian package bubblewrap) is not installed"})
	} else if b, err := exec.Command(p, "--ro-bind", "/", "/", "--unshare-all", "--die-with-parent", "--dev", "/dev", "--proc", "/proc", "true").CombinedOutput(); err != nil {
		out = append(out, Status{Kind: KindBwrap, Detail: "bwrap cannot create namespaces here (user namespaces disabled?): " + strings.TrimSpace(string(b))})
	} else {
		v, _ := exec.Command(p, "--version").Output()
		out = append(out, Status{Kind: KindBwrap, Available: true, Detail: strings.TrimSpace(string(v))})
	}
	if abi := LandlockABI(); abi >= minLandlockABI {
		out = append(out, Status{Kind: KindLandlock, Available: true, Detail: fmt.Sprintf("Landlock ABI %d", abi)})
	} else {
		out = append(out, Status{Kind: KindLandlock, Detail: fmt.Sprintf("Landlock ABI %d (need %d: filesystem and TCP rules)", abi, minLandlockABI)})
	}
	if p, err := exec.LookPath("runsc"); err != nil {
		out = append(out, Status{Kind: KindRunsc, Detail: "runsc (gVisor) is not installed"})
	} else {
		v, _ := exec.Command(p, "--version").Output()
		first, _, _ := strings.Cut(string(v), "\n")
		out = append(out, Status{Kind: KindRunsc, Available: true, Detail: strings.TrimSpace(first)})
	}
	return out
}

// existing returns the paths of list that exist on this host.
func existing(list []string) []string {
	var out []string
	for _, p := range list {
		if _, err := os.Lstat(p); err == nil {
			out = append(out, p)
		}
	}
	return out
}
