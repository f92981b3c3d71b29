package sandbox

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// seccompFD is the descriptor bubblewrap reads the filter from (the first
// of cmd.ExtraFiles).
const seccompFD = 3

// BwrapArgs are bubblewrap's arguments for s (without the program name).
// The server's environment is not among them: it is bubblewrap's own
// environment, which bubblewrap passes on, so secrets in it never appear
// in a command line that other users can read (/proc/PID/cmdline).
func (s *Spec) BwrapArgs() []string {
	a := []string{
		"--unshare-all", "--unshare-user", "--disable-userns", // user, mount, pid, ipc, uts, net, cgroup; no nested user namespaces
		"--die-with-parent", "--new-session", "--cap-drop", "ALL",
		"--hostname", "sandbox",
	}
	for _, d := range systemDirs {
		fi, err := os.Lstat(d)
		switch {
		case err != nil:
		case fi.Mode()&os.ModeSymlink != 0:
			if t, err := os.Readlink(d); err == nil {
				a = append(a, "--symlink", t, d)
			}
		case fi.IsDir():
			a = append(a, "--ro-bind", d, d)
		}
	}
	for _, e := range existing(systemEtc) {
		a = append(a, "--ro-bind", e, e)
	}
	a = append(a, "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--tmpfs", Home)
	if s.Command != "" && !Within(s.Command, systemDirs) && !Within(s.Command, s.Read) && !Within(s.Command, s.Write) {
		a = append(a, "--ro-bind", s.Command, s.Command)
	}
	for _, r := range s.Read {
		a = append(a, "--ro-bind", r, r)
	}
	for _, w := range s.Write {
		a = append(a, "--bind", w, w)
	}
	argv := append([]string{s.Command}, s.Args...)
	if s.Network() {
		a = append(a, "--ro-bind", s.Self, SelfInside, "--ro-bind", s.EgressDir, filepath.Dir(EgressSocketInside))
		argv = append([]string{SelfInside, "sandbox-init", "--socket", EgressSocketInside, "--listen", ProxyListen, "--"}, argv...)
	}
	a = append(a, "--chdir", s.workDir(), "--seccomp", fmt.Sprint(seccompFD), "--")
	return append(a, argv...)
}

// applyBwrap turns cmd into the bubblewrap command for s.
func applyBwrap(s *Spec, cmd *exec.Cmd) (func(), error) {
	bwrap, err := exec.LookPath("bwrap")
	if err != nil {
		return nil, fmt.Errorf("sandbox bwrap: bwrap is not installed (Debian package bubblewrap): %w", ErrMissing)
	}
	filter, err := BPF(netAll)
	if err != nil {
		return nil, err
	}
	r, err := pipeWith(filter)
	if err != nil {
		return nil, err
	}
	env := s.env()
	if s.Network() {
		env = append(env, ProxyEnv(ProxyListen)...)
	}
	cmd.Path = bwrap
	cmd.Args = append([]string{"bwrap"}, s.BwrapArgs()...)
	cmd.Env = env
	cmd.Dir = "/"
	cmd.ExtraFiles = []*os.File{r}
	return func() { r.Close() }, nil
}

// pipeWith returns the read end of a pipe holding data (which must fit
// the pipe's buffer; filters and specs are a few kilobytes).
func pipeWith(data []byte) (*os.File, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(data); err != nil {
		r.Close()
		w.Close()
		return nil, err
	}
	w.Close()
	return r, nil
}

// Apply turns cmd (the server's own command, unsandboxed) into the
// sandboxed command for s. The returned function releases what the start
// needed; call it after the process has exited.
func Apply(s *Spec, cmd *exec.Cmd) (func(), error) {
	switch s.Kind {
	case KindBwrap:
		return applyBwrap(s, cmd)
	case KindLandlock:
		return applyLandlock(s, cmd)
	case KindRunsc:
		return applyRunsc(s, cmd)
	}
	return nil, fmt.Errorf("sandbox: unknown kind %q", s.Kind)
}
