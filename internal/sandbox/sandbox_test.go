package sandbox

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The test binary doubles as the launcher and the forwarder (as the
// mcpwarden binary does), so Landlock and sandbox-init run for real.
func TestMain(m *testing.M) {
	if len(os.Args) > 2 && os.Args[1] == "sandbox-exec" {
		// sandbox-exec --spec-fd 3 -- argv
		fd, _ := strconv.Atoi(os.Args[3])
		err := RunLauncher(fd, os.Args[5:])
		fmt.Fprintln(os.Stderr, err)
		os.Exit(127)
	}
	if len(os.Args) > 2 && os.Args[1] == "sandbox-init" {
		os.Exit(RunInit(os.Args[3], os.Args[5], os.Args[7:]))
	}
	os.Exit(m.Run())
}

// needBwrap fails (never skips) when the host cannot run bubblewrap.
func needBwrap(t *testing.T) {
	t.Helper()
	for _, s := range Probe() {
		if s.Kind == KindBwrap && !s.Available {
			t.Fatalf("this host cannot run the bwrap sandbox: %s (install the Debian package bubblewrap; user namespaces must be enabled)", s.Detail)
		}
	}
}

func TestBwrapArgs(t *testing.T) {
	s := &Spec{Kind: KindBwrap, Command: "/opt/srv/bin/server", Args: []string{"--x"}, Env: []string{"PATH=/usr/bin", "HOME=/root", "SECRET=s3cr3t"},
		Dir: "/srv/data/sub", Read: []string{"/srv/data"}, Write: []string{"/srv/out"}, Self: "/usr/local/bin/mcpwarden"}
	a := s.BwrapArgs()
	joined := strings.Join(a, " ")
	for _, want := range []string{"--unshare-all --unshare-user --disable-userns", "--die-with-parent", "--new-session", "--cap-drop ALL",
		"--ro-bind /srv/data /srv/data", "--bind /srv/out /srv/out", "--ro-bind /opt/srv/bin/server /opt/srv/bin/server",
		"--tmpfs /tmp", "--tmpfs " + Home, "--proc /proc", "--dev /dev", "--chdir /srv/data/sub", "--seccomp 3", "-- /opt/srv/bin/server --x"} {
		if !strings.Contains(joined, want) {
			t.Errorf("args lack %q:\n%s", want, joined)
		}
	}
	for _, bad := range []string{"s3cr3t", "--setenv", "/root", "--share-net", "/etc/passwd", "/etc/shadow", "sandbox-init"} {
		if strings.Contains(joined, bad) {
			t.Errorf("args contain %q:\n%s", bad, joined)
		}
	}
	// Only listed /etc entries are visible, never /etc itself.
	for i, x := range a {
		if (x == "--ro-bind" || x == "--bind") && i+1 < len(a) && (a[i+1] == "/etc" || a[i+1] == "/" || a[i+1] == "/home") {
			t.Errorf("binds %s", a[i+1])
		}
	}
	// Working directory not granted: /tmp.
	s.Dir = "/var/lib/x"
	if j := strings.Join(s.BwrapArgs(), " "); !strings.Contains(j, "--chdir /tmp") {
		t.Errorf("ungranted dir: %s", j)
	}
	// With egress: the forwarder runs first, the socket's directory is bound.
	s.EgressDir = "/run/user/mcpw/egress-x"
	j := strings.Join(s.BwrapArgs(), " ")
	for _, want := range []string{"--ro-bind /usr/local/bin/mcpwarden " + SelfInside, "--ro-bind /run/user/mcpw/egress-x " + filepath.Dir(EgressSocketInside),
		"-- " + SelfInside + " sandbox-init --socket " + EgressSocketInside + " --listen " + ProxyListen + " -- /opt/srv/bin/server --x"} {
		if !strings.Contains(j, want) {
			t.Errorf("egress args lack %q:\n%s", want, j)
		}
	}
	// The environment: HOME and TMPDIR point inside.
	env := s.env()
	if !slices.Contains(env, "HOME="+Home) || !slices.Contains(env, "TMPDIR=/tmp") || slices.Contains(env, "HOME=/root") || !slices.Contains(env, "SECRET=s3cr3t") {
		t.Errorf("env: %v", env)
	}
}

func TestCheckGrant(t *testing.T) {
	prot := map[string]string{"the gateway's configuration file": "/etc/mcpwarden/mcpwarden.yaml", "the store (store.path)": "/var/lib/mcpwarden/mcpwarden.db"}
	for _, c := range []struct {
		grant string
		ok    bool
	}{
		{"/srv/data", true},
		{"/home/alice/projects/site", true},
		{"/", false},
		{"/etc/mcpwarden", false},
		{"/etc", false},
		{"/var/lib/mcpwarden", false},
		{"/var/lib", false},
		{"/home/alice", false},
		{"/home", false},
		{"/home/alice/.ssh", false},
		{"/home/alice/.ssh/keys", false},
		{"/home/alice/.aws", false},
		{"/proc", false},
		{"/proc/1", false},
		{"/run/docker.sock", false},
		{"relative/path", false},
	} {
		err := CheckGrant(c.grant, prot, "/home/alice")
		if (err == nil) != c.ok {
			t.Errorf("CheckGrant(%q) = %v, want ok=%v", c.grant, err, c.ok)
		}
	}
}

func TestSeccompProgram(t *testing.T) {
	for _, n := range []int{netAll, netTCP, netNone} {
		b, err := BPF(n)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) == 0 || len(b)%8 != 0 {
			t.Fatalf("filter of %d bytes", len(b))
		}
	}
}

// run starts argv in the sandbox s and returns its combined output.
func run(t *testing.T, s *Spec, argv ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = []string{"PATH=/usr/bin:/bin"}
	s.Command, s.Args, s.Env = argv[0], argv[1:], cmd.Env
	after, err := Apply(s, cmd)
	if err != nil {
		t.Fatal(err)
	}
	defer after()
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// fixture: a granted directory with a file, a secret outside it, and a
// TCP listener on the host.
func fixture(t *testing.T) (granted, secret, addr string) {
	t.Helper()
	granted = t.TempDir()
	if err := os.WriteFile(filepath.Join(granted, "ok.txt"), []byte("granted-content"), 0o644); err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	secret = filepath.Join(home, ".ssh", "id_rsa")
	_ = os.MkdirAll(filepath.Dir(secret), 0o700)
	if err := os.WriteFile(secret, []byte("PRIVATE-KEY"), 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("HOST-LISTENER\n"))
			c.Close()
		}
	}()
	return granted, secret, ln.Addr().String()
}

// probeScript reads the granted file, the secret, and connects to addr.
func probeScript(granted, secret, addr string) []string {
	host, port, _ := net.SplitHostPort(addr)
	return []string{"/bin/bash", "-c", fmt.Sprintf(`cat %s/ok.txt; echo; cat %s && echo SECRET-READ; (exec 3<>/dev/tcp/%s/%s && head -1 <&3) && echo CONNECTED; unshare -U true && echo UNSHARED; true`,
		granted, secret, host, port)}
}

func TestBwrapConfines(t *testing.T) {
	needBwrap(t)
	granted, secret, addr := fixture(t)
	// Benign twin: without a sandbox the probe reaches everything.
	out, _ := exec.Command(probeScript(granted, secret, addr)[0], probeScript(granted, secret, addr)[1:]...).CombinedOutput()
	if !strings.Contains(string(out), "SECRET-READ") || !strings.Contains(string(out), "HOST-LISTENER") {
		t.Fatalf("unsandboxed probe should succeed:\n%s", out)
	}
	s := &Spec{Kind: KindBwrap, Command: "/usr/bin/bash", Read: []string{granted}, Self: os.Args[0]}
	out2, err := run(t, s, probeScript(granted, secret, addr)...)
	if err != nil {
		t.Fatalf("bwrap: %v\n%s", err, out2)
	}
	t.Logf("bwrap probe:\n%s", out2)
	if !strings.Contains(out2, "granted-content") {
		t.Errorf("granted file not readable:\n%s", out2)
	}
	for _, bad := range []string{"SECRET-READ", "PRIVATE-KEY", "HOST-LISTENER", "CONNECTED", "UNSHARED"} {
		if strings.Contains(out2, bad) {
			t.Errorf("sandboxed probe got %s:\n%s", bad, out2)
		}
	}
}

func TestLandlockConfines(t *testing.T) {
	if abi := LandlockABI(); abi < minLandlockABI {
		t.Fatalf("this host's kernel offers Landlock ABI %d; the landlock sandbox needs %d", abi, minLandlockABI)
	}
	granted, secret, addr := fixture(t)
	s := &Spec{Kind: KindLandlock, Command: "/usr/bin/bash", Read: []string{granted}, Self: os.Args[0], StateDir: t.TempDir()}
	out, err := run(t, s, probeScript(granted, secret, addr)...)
	if err != nil {
		t.Fatalf("landlock: %v\n%s", err, out)
	}
	t.Logf("landlock probe:\n%s", out)
	if !strings.Contains(out, "granted-content") {
		t.Errorf("granted file not readable:\n%s", out)
	}
	for _, bad := range []string{"SECRET-READ", "PRIVATE-KEY", "HOST-LISTENER", "CONNECTED", "UNSHARED"} {
		if strings.Contains(out, bad) {
			t.Errorf("sandboxed probe got %s:\n%s", bad, out)
		}
	}
}

func TestOCISpec(t *testing.T) {
	s := &Spec{Kind: KindRunsc, Command: "/usr/bin/node", Args: []string{"x.js"}, Read: []string{"/srv/data"}, Write: []string{"/srv/out"},
		Self: "/usr/local/bin/mcpwarden", StateDir: "/tmp/st", EgressDir: "/tmp/eg"}
	b, err := s.OCISpec()
	if err != nil {
		t.Fatal(err)
	}
	j := string(b)
	for _, want := range []string{`"destination": "/srv/data"`, `"rbind",`, `"ro"`, `"rw"`, `"network"`, `"sandbox-init"`, `"readonly": true`, `"noNewPrivileges": true`} {
		if !strings.Contains(j, want) {
			t.Errorf("OCI spec lacks %s:\n%s", want, j)
		}
	}
}
