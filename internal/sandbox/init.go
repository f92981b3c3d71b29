package sandbox

import (
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// RunInit is `mcpwarden sandbox-init --socket PATH --listen ADDR -- argv`,
// the first process of a sandbox with egress: it listens on ADDR inside
// the sandbox's own network namespace, forwards every connection to the
// gateway's egress proxy over the Unix socket PATH (the only way out), and
// runs argv as its child, passing signals on, reaping orphans and exiting
// with the child's status. It returns the exit code.
func RunInit(socket, listen string, argv []string) int {
	if len(argv) == 0 {
		fmt.Fprintln(os.Stderr, "sandbox-init: no command")
		return 127
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sandbox-init: listen:", err)
		return 127
	}
	go forward(ln, socket)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "sandbox-init:", err)
		return 127
	}
	pid := cmd.Process.Pid
	go func() {
		for s := range sigs {
			_ = cmd.Process.Signal(s)
		}
	}()
	// Reap every child (orphans are re-parented here when this is PID 1);
	// leave with the server's status.
	for {
		var ws syscall.WaitStatus
		p, err := syscall.Wait4(-1, &ws, 0, nil)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return 1
		}
		if p != pid {
			continue
		}
		switch {
		case ws.Exited():
			return ws.ExitStatus()
		case ws.Signaled():
			return 128 + int(ws.Signal())
		}
		return 1
	}
}

// forward relays each connection accepted on ln to the Unix socket.
func forward(ln net.Listener, socket string) {
	for {
		c, err := ln.Accept()
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				time.Sleep(10 * time.Millisecond)
				continue
			}
			return
		}
		go func() {
			defer c.Close()
			u, err := net.Dial("unix", socket)
			if err != nil {
				fmt.Fprintln(os.Stderr, "sandbox-init: egress proxy unreachable:", err)
				return
			}
			defer u.Close()
			Pipe(c, u)
		}()
	}
}

// Pipe copies both ways until both directions are done, passing on
// half-closes; it returns the bytes copied a→b and b→a.
func Pipe(a, b net.Conn) (ab, ba int64) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		ba, _ = io.Copy(a, b)
		closeWrite(a)
	}()
	ab, _ = io.Copy(b, a)
	closeWrite(b)
	wg.Wait()
	return ab, ba
}

func closeWrite(c net.Conn) {
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
		return
	}
	_ = c.Close()
}
