package sandbox

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"

	"github.com/landlock-lsm/go-landlock/landlock"
	ll "github.com/landlock-lsm/go-landlock/landlock/syscall"
)

// minLandlockABI is the least Landlock ABI the landlock sandbox accepts:
// 4 has filesystem rules (with refer and truncate) and TCP connect/bind
// rules. Without them the launcher refuses to start the server (fail
// closed, never best effort).
const minLandlockABI = 4

// LandlockABI is the kernel's Landlock ABI version (0: none).
func LandlockABI() int {
	v, err := ll.LandlockGetABIVersion()
	if err != nil {
		return 0
	}
	return v
}

// launchSpec is what the gateway tells the launcher (sandbox-exec), as
// JSON on descriptor 3.
type launchSpec struct {
	Read      []string `json:"read"`
	Write     []string `json:"write"`
	Exec      string   `json:"exec"`
	ProxyPort int      `json:"proxy_port,omitempty"` // 0: no network
}

// applyLandlock turns cmd into `mcpwarden sandbox-exec`, which restricts
// itself and execs the server.
func applyLandlock(s *Spec, cmd *exec.Cmd) (func(), error) {
	if abi := LandlockABI(); abi < minLandlockABI {
		return nil, fmt.Errorf("sandbox landlock: the kernel offers Landlock ABI %d, at least %d is needed (filesystem and TCP rules): %w", abi, minLandlockABI, ErrMissing)
	}
	if s.StateDir == "" {
		return nil, fmt.Errorf("sandbox landlock: no state directory")
	}
	home, tmp := filepath.Join(s.StateDir, "home"), filepath.Join(s.StateDir, "tmp")
	for _, d := range []string{home, tmp} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, err
		}
	}
	ls := launchSpec{Read: s.Read, Write: append(append([]string{}, s.Write...), home, tmp), Exec: s.Command}
	env := []string{}
	for _, kv := range s.env() {
		switch {
		case len(kv) > 5 && kv[:5] == "HOME=", len(kv) > 7 && kv[:7] == "TMPDIR=":
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "HOME="+home, "TMPDIR="+tmp)
	if s.ProxyAddr != "" {
		_, port, err := net.SplitHostPort(s.ProxyAddr)
		if err != nil {
			return nil, err
		}
		if ls.ProxyPort, err = strconv.Atoi(port); err != nil {
			return nil, err
		}
		env = append(env, ProxyEnv(s.ProxyAddr)...)
	}
	b, _ := json.Marshal(ls)
	r, err := pipeWith(b)
	if err != nil {
		return nil, err
	}
	dir := s.workDir()
	if dir == "/tmp" {
		dir = tmp
	}
	cmd.Path = s.Self
	cmd.Args = append([]string{"mcpwarden", "sandbox-exec", "--spec-fd", "3", "--", s.Command}, s.Args...)
	cmd.Env = env
	cmd.Dir = dir
	cmd.ExtraFiles = []*os.File{r}
	return func() { r.Close(); os.RemoveAll(s.StateDir) }, nil
}

// landlockConfig is the strictest configuration the kernel supports, at
// least minLandlockABI (V6 adds scoping: no signals to processes outside
// the sandbox, no abstract Unix sockets outside it).
func landlockConfig() (landlock.Config, error) {
	switch abi := LandlockABI(); {
	case abi >= 6:
		return landlock.V6, nil
	case abi == 5:
		return landlock.V5, nil
	case abi == 4:
		return landlock.V4, nil
	default:
		return landlock.Config{}, fmt.Errorf("the kernel offers Landlock ABI %d, at least %d is needed", abi, minLandlockABI)
	}
}

// pathRule grants read (or read-write) access to p, as a directory or a
// file, whichever it is.
func pathRule(p string, write bool) (landlock.Rule, bool) {
	fi, err := os.Stat(p)
	if err != nil {
		return nil, false
	}
	switch {
	case fi.IsDir() && write:
		return landlock.RWDirs(p).WithRefer(), true
	case fi.IsDir():
		return landlock.RODirs(p), true
	case write:
		return landlock.RWFiles(p), true
	default:
		return landlock.ROFiles(p), true
	}
}

// RunLauncher is `mcpwarden sandbox-exec --spec-fd FD -- argv`: it
// restricts this process with Landlock (filesystem: the system
// directories, the grants and the command; network: TCP connect to the
// proxy port only, or nothing) and seccomp, then execs argv. It returns
// only on failure.
func RunLauncher(specFD int, argv []string) error {
	if len(argv) == 0 {
		return fmt.Errorf("sandbox-exec: no command")
	}
	f := os.NewFile(uintptr(specFD), "spec")
	if f == nil {
		return fmt.Errorf("sandbox-exec: descriptor %d is not open", specFD)
	}
	b, err := io.ReadAll(io.LimitReader(f, 1<<20))
	f.Close()
	if err != nil {
		return fmt.Errorf("sandbox-exec: reading the spec: %w", err)
	}
	var ls launchSpec
	if err := json.Unmarshal(b, &ls); err != nil {
		return fmt.Errorf("sandbox-exec: bad spec: %w", err)
	}
	cfg, err := landlockConfig()
	if err != nil {
		return fmt.Errorf("sandbox-exec: %w", err)
	}
	var rules []landlock.Rule
	add := func(p string, write bool) {
		if r, ok := pathRule(p, write); ok {
			rules = append(rules, r)
		}
	}
	for _, d := range existing(systemDirs) {
		add(d, false)
	}
	for _, e := range existing(systemEtc) {
		add(e, false)
	}
	for _, d := range []string{"/dev/null", "/dev/zero", "/dev/full"} {
		add(d, true)
	}
	for _, d := range []string{"/dev/urandom", "/dev/random", "/proc/meminfo", "/proc/cpuinfo", "/proc/stat", "/sys/devices/system/cpu", "/sys/fs/cgroup/cpu.max"} {
		add(d, false)
	}
	// This process's own /proc entry (the server keeps the pid across
	// exec); other processes' entries (their environment, memory maps)
	// stay hidden.
	if self, err := filepath.EvalSymlinks("/proc/self"); err == nil {
		add(self, false)
	}
	if ls.Exec != "" {
		add(ls.Exec, false)
	}
	for _, r := range ls.Read {
		add(r, false)
	}
	for _, w := range ls.Write {
		add(w, true)
	}
	net := netNone
	if ls.ProxyPort > 0 {
		net = netTCP
		rules = append(rules, landlock.ConnectTCP(uint16(ls.ProxyPort)))
	}
	if err := cfg.Restrict(rules...); err != nil {
		return fmt.Errorf("sandbox-exec: landlock: %w", err)
	}
	if err := loadSeccomp(net); err != nil {
		return fmt.Errorf("sandbox-exec: %w", err)
	}
	path, err := exec.LookPath(argv[0])
	if err != nil {
		return fmt.Errorf("sandbox-exec: %w", err)
	}
	return syscall.Exec(path, argv, os.Environ())
}
