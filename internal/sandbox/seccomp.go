package sandbox

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"unsafe"

	seccomp "github.com/elastic/go-seccomp-bpf"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// deniedSyscalls fail with EPERM in every sandbox: debugging and reading
// other processes, mounting and namespaces, kernel modules and kexec, BPF
// and perf, the kernel keyring, userfaultfd (a common exploit aid), and
// system administration. Programs that serve MCP need none of them.
var deniedSyscalls = []string{
	"ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd",
	"mount", "umount2", "pivot_root", "move_mount", "open_tree", "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr",
	"unshare", "setns",
	"kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
	"bpf", "perf_event_open", "keyctl", "add_key", "request_key", "userfaultfd",
	"reboot", "swapon", "swapoff", "open_by_handle_at", "name_to_handle_at",
	"acct", "quotactl", "settimeofday", "clock_settime", "adjtimex", "clock_adjtime",
	"syslog", "iopl", "ioperm", "lookup_dcookie", "vhangup", "personality",
}

// Network policy of a seccomp filter.
const (
	netAll  = iota // sockets as the namespace allows (bwrap, runsc: no interfaces but loopback)
	netTCP         // no UDP or raw IP sockets (landlock with an egress proxy: TCP to the proxy port only, by Landlock)
	netNone        // no IP sockets at all (landlock without egress)
)

// policy is the seccomp policy for a network mode.
func policy(net int) seccomp.Policy {
	p := seccomp.Policy{DefaultAction: seccomp.ActionAllow, Syscalls: []seccomp.SyscallGroup{{Action: seccomp.ActionErrno, Names: deniedSyscalls}}}
	switch net {
	case netNone:
		var conds []seccomp.NameWithConditions
		for _, fam := range []uint64{unix.AF_INET, unix.AF_INET6, unix.AF_PACKET, unix.AF_NETLINK} {
			conds = append(conds, seccomp.NameWithConditions{Name: "socket", Conditions: seccomp.ArgumentConditions{{Argument: 0, Operation: seccomp.Equal, Value: fam}}})
		}
		p.Syscalls = append(p.Syscalls, seccomp.SyscallGroup{Action: seccomp.ActionErrno, NamesWithCondtions: conds})
	case netTCP:
		// Landlock rules TCP by port; UDP (DNS tunnels) and raw sockets
		// are refused here. SOCK_STREAM is 1: any type with bit 1 set
		// (DGRAM 2, RAW 3, SEQPACKET 5) is refused.
		var conds []seccomp.NameWithConditions
		for _, fam := range []uint64{unix.AF_INET, unix.AF_INET6} {
			conds = append(conds, seccomp.NameWithConditions{Name: "socket", Conditions: seccomp.ArgumentConditions{
				{Argument: 0, Operation: seccomp.Equal, Value: fam}, {Argument: 1, Operation: seccomp.BitsSet, Value: 2}}})
		}
		for _, fam := range []uint64{unix.AF_PACKET, unix.AF_NETLINK} {
			conds = append(conds, seccomp.NameWithConditions{Name: "socket", Conditions: seccomp.ArgumentConditions{{Argument: 0, Operation: seccomp.Equal, Value: fam}}})
		}
		p.Syscalls = append(p.Syscalls, seccomp.SyscallGroup{Action: seccomp.ActionErrno, NamesWithCondtions: conds})
	}
	return p
}

// program assembles the filter. The library lets system calls of another
// architecture (int 0x80 from a 64-bit process) through to the default
// action; a deny list must not, so such calls kill the process.
func program(net int) ([]bpf.Instruction, error) {
	p := policy(net)
	ins, err := p.Assemble()
	if err != nil {
		return nil, fmt.Errorf("seccomp: %w", err)
	}
	// ins[0] loads the architecture and ins[1] compares it with the
	// native one; insert a kill for anything else before the library's
	// program runs.
	native, ok := ins[1].(bpf.JumpIf)
	if !ok {
		return nil, fmt.Errorf("seccomp: unexpected program shape")
	}
	guard := []bpf.Instruction{
		ins[0],
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: native.Val, SkipTrue: 1},
		bpf.RetConstant{Val: uint32(seccomp.ActionKillProcess)},
	}
	return append(guard, ins...), nil
}

// BPF returns the filter as bubblewrap's --seccomp reads it: struct
// sock_filter entries in native (little-endian on the supported
// architectures) byte order.
func BPF(net int) ([]byte, error) {
	ins, err := program(net)
	if err != nil {
		return nil, err
	}
	raw, err := bpf.Assemble(ins)
	if err != nil {
		return nil, fmt.Errorf("seccomp: %w", err)
	}
	var b bytes.Buffer
	for _, r := range raw {
		_ = binary.Write(&b, binary.LittleEndian, r.Op)
		b.WriteByte(r.Jt)
		b.WriteByte(r.Jf)
		_ = binary.Write(&b, binary.LittleEndian, r.K)
	}
	return b.Bytes(), nil
}

// loadSeccomp installs the filter in this process (no_new_privs first),
// on all threads; it stays across execve. The library's LoadFilter would
// assemble its own program, without the architecture guard.
func loadSeccomp(net int) error {
	ins, err := program(net)
	if err != nil {
		return err
	}
	raw, err := bpf.Assemble(ins)
	if err != nil {
		return err
	}
	filters := make([]unix.SockFilter, len(raw))
	for i, r := range raw {
		filters[i] = unix.SockFilter{Code: r.Op, Jt: r.Jt, Jf: r.Jf, K: r.K}
	}
	prog := &unix.SockFprog{Len: uint16(len(filters)), Filter: &filters[0]}
	if err := seccomp.SetNoNewPrivs(); err != nil {
		return fmt.Errorf("seccomp: no_new_privs: %w", err)
	}
	if _, _, e := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, unix.SECCOMP_FILTER_FLAG_TSYNC, uintptr(unsafe.Pointer(prog))); e != 0 {
		return fmt.Errorf("seccomp: loading the filter: %w", e)
	}
	return nil
}
