package sandbox

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// ociMount, ociSpec: the part of the OCI runtime specification
// (config.json) a gVisor sandbox needs.
type ociMount struct {
	Destination string   `json:"destination"`
	Type        string   `json:"type"`
	Source      string   `json:"source"`
	Options     []string `json:"options,omitempty"`
}

type ociSpec struct {
	OCIVersion string `json:"ociVersion"`
	Process    struct {
		User struct {
			UID int `json:"uid"`
			GID int `json:"gid"`
		} `json:"user"`
		Args            []string `json:"args"`
		Env             []string `json:"env"`
		Cwd             string   `json:"cwd"`
		NoNewPrivileges bool     `json:"noNewPrivileges"`
	} `json:"process"`
	Root struct {
		Path     string `json:"path"`
		Readonly bool   `json:"readonly"`
	} `json:"root"`
	Hostname string     `json:"hostname"`
	Mounts   []ociMount `json:"mounts"`
	Linux    struct {
		Namespaces []struct {
			Type string `json:"type"`
		} `json:"namespaces"`
	} `json:"linux"`
}

// OCISpec is the OCI bundle configuration for s: an empty read-only
// root, the system directories and grants bound in, private /tmp and home,
// and, with egress, the forwarder as the first process.
func (s *Spec) OCISpec() ([]byte, error) {
	var o ociSpec
	o.OCIVersion = "1.0.2"
	argv := append([]string{s.Command}, s.Args...)
	env := s.env()
	if s.Network() {
		argv = append([]string{SelfInside, "sandbox-init", "--socket", EgressSocketInside, "--listen", ProxyListen, "--"}, argv...)
		env = append(env, ProxyEnv(ProxyListen)...)
	}
	o.Process.Args, o.Process.Env, o.Process.Cwd, o.Process.NoNewPrivileges = argv, env, s.workDir(), true
	o.Root.Path, o.Root.Readonly = filepath.Join(s.StateDir, "rootfs"), true
	o.Hostname = "sandbox"
	bind := func(src, dst string, rw bool) {
		opts := []string{"rbind", "ro"}
		if rw {
			opts = []string{"rbind", "rw"}
		}
		o.Mounts = append(o.Mounts, ociMount{Destination: dst, Type: "bind", Source: src, Options: opts})
	}
	o.Mounts = append(o.Mounts,
		ociMount{Destination: "/proc", Type: "proc", Source: "proc"},
		ociMount{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
		ociMount{Destination: "/tmp", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "nodev", "mode=1777"}},
		ociMount{Destination: Home, Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "nodev", "mode=700"}},
	)
	for _, d := range existing(systemDirs) {
		if t, err := filepath.EvalSymlinks(d); err == nil {
			bind(t, d, false)
		}
	}
	for _, e := range existing(systemEtc) {
		bind(e, e, false)
	}
	if s.Command != "" && !Within(s.Command, systemDirs) && !Within(s.Command, s.Read) && !Within(s.Command, s.Write) {
		bind(s.Command, s.Command, false)
	}
	for _, r := range s.Read {
		bind(r, r, false)
	}
	for _, w := range s.Write {
		bind(w, w, true)
	}
	if s.Network() {
		bind(s.Self, SelfInside, false)
		bind(s.EgressDir, filepath.Dir(EgressSocketInside), false)
	}
	for _, ns := range []string{"pid", "ipc", "uts", "mount", "network"} {
		o.Linux.Namespaces = append(o.Linux.Namespaces, struct {
			Type string `json:"type"`
		}{ns})
	}
	return json.MarshalIndent(o, "", "  ")
}

// applyRunsc turns cmd into `runsc run` of a generated bundle: rootless,
// no network but loopback (--network=none), host Unix sockets open for
// connecting only (the egress socket; --host-uds=open). Not tested on a
// host with gVisor by the project's CI (runsc is not a Debian package).
func applyRunsc(s *Spec, cmd *exec.Cmd) (func(), error) {
	runsc, err := exec.LookPath("runsc")
	if err != nil {
		return nil, fmt.Errorf("sandbox runsc: runsc (gVisor) is not installed or not in PATH: %w", ErrMissing)
	}
	if s.StateDir == "" {
		return nil, fmt.Errorf("sandbox runsc: no state directory")
	}
	if err := os.MkdirAll(filepath.Join(s.StateDir, "rootfs"), 0o700); err != nil {
		return nil, err
	}
	b, err := s.OCISpec()
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(s.StateDir, "config.json"), b, 0o600); err != nil {
		return nil, err
	}
	id := "mcpwarden-" + strings.ReplaceAll(filepath.Base(s.StateDir), ".", "-")
	cmd.Path = runsc
	cmd.Args = []string{"runsc", "--rootless", "--network=none", "--host-uds=open", "--ignore-cgroups",
		"--root", filepath.Join(s.StateDir, "state"), "run", "--bundle", s.StateDir, id}
	cmd.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
	cmd.Dir = s.StateDir
	return func() { os.RemoveAll(s.StateDir) }, nil
}
