package upstream

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"
)

// childEnv selects a child mode: the test binary doubles as the stdio
// server the StdioDialer tests start.
const childEnv = "MCPWARDEN_UPSTREAM_TEST_CHILD"

func TestMain(m *testing.M) {
	if mode := os.Getenv(childEnv); mode != "" {
		os.Exit(runChild(mode))
	}
	os.Exit(m.Run())
}

// runChild is a line-oriented JSON-RPC peer, like most stdio MCP servers
// (the TypeScript and Python SDKs split their input on newlines). Modes:
//
//	server      answer requests (see serveLine); exit at the end of stdin
//	ignore-eof  the same, but keep running after stdin ends; SIGTERM ends it
//	ignore-term the same, and SIGTERM is logged to stderr and ignored
//	group       like ignore-term, after starting a grandchild (mode hang) in
//	            its process group and reporting its pid
//	hang        ignore SIGTERM and stdin; run until killed
//	wedged      never read stdin
//	orphan      start a grandchild in its own session that holds stdout and
//	            stderr (mode hang), report its pid, exit
//	last-words  write 500 stderr lines (250 KB, more than a pipe holds) and a
//	            notification, then exit at once
func runChild(mode string) int {
	out := bufio.NewWriter(os.Stdout)
	write := func(s string) {
		_, _ = out.WriteString(s)
		_ = out.Flush()
	}
	switch mode {
	case "orphan":
		// a descendant outside the process group keeps stdout and stderr
		// open long after this process is gone
		gc := exec.Command(os.Args[0])
		gc.Env = []string{childEnv + "=hang"}
		gc.Stdout, gc.Stderr = os.Stdout, os.Stderr
		gc.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		if err := gc.Start(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		write(fmt.Sprintf(`{"jsonrpc":"2.0","method":"grandchild","params":{"pid":%d}}`+"\n", gc.Process.Pid))
		return 0
	case "last-words":
		for i := range 500 {
			fmt.Fprintf(os.Stderr, "last words %d %s\n", i, strings.Repeat("-", 500))
		}
		write(`{"jsonrpc":"2.0","method":"notifications/message","params":{"data":"bye"}}` + "\n")
		return 3
	case "hang", "wedged":
		if mode == "hang" {
			signal.Ignore(syscall.SIGTERM)
		}
		select {}
	case "ignore-eof":
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGTERM)
		go func() {
			<-sig
			fmt.Fprintln(os.Stderr, "got SIGTERM")
			os.Exit(0)
		}()
	case "ignore-term", "group":
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGTERM)
		go func() {
			for range sig {
				fmt.Fprintln(os.Stderr, "SIGTERM ignored")
			}
		}()
		if mode == "group" {
			gc := exec.Command(os.Args[0])
			gc.Env = []string{childEnv + "=hang"}
			if err := gc.Start(); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
			write(fmt.Sprintf(`{"jsonrpc":"2.0","method":"grandchild","params":{"pid":%d}}`+"\n", gc.Process.Pid))
		}
	}
	in := bufio.NewReader(os.Stdin)
	for {
		line, err := in.ReadString('\n')
		if line = strings.TrimRight(line, "\r\n"); line != "" {
			serveLine(line, write)
		}
		if err != nil {
			break
		}
	}
	if mode == "server" {
		return 0
	}
	select {}
}

// serveLine answers one input line. Every line that is a request is
// answered {"result":{"method":..., "params":...}} unless its method says
// otherwise; a line that is not JSON is answered with a notification
// "bad-line" carrying it, so tests can see exactly what arrived.
func serveLine(line string, write func(string)) {
	var m struct {
		ID     json.RawMessage `json:"id"`
		Method string          `json:"method"`
		Params json.RawMessage `json:"params"`
	}
	if err := json.Unmarshal([]byte(line), &m); err != nil {
		b, _ := json.Marshal(line)
		write(`{"jsonrpc":"2.0","method":"bad-line","params":{"line":` + string(b) + "}}\n")
		return
	}
	if m.ID == nil {
		if m.Method != "" {
			write(`{"jsonrpc":"2.0","method":"got-notification","params":{"method":"` + m.Method + `"}}` + "\n")
		}
		return
	}
	result := func() string {
		p := m.Params
		if p == nil {
			p = json.RawMessage("null")
		}
		return `{"jsonrpc":"2.0","id":` + string(m.ID) + `,"result":{"method":"` + m.Method + `","params":` + string(p) + "}}"
	}
	var p struct {
		N    int    `json:"n"`
		Line string `json:"line"`
	}
	_ = json.Unmarshal(m.Params, &p)
	switch m.Method {
	case "notify":
		write(`{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"before"}}` + "\n")
	case "garbage":
		write("this is not json\n{\"jsonrpc\":\"1.0\"}\n\n   \n")
	case "oversize":
		// A line of n bytes: a JSON notification padded to length.
		pre, post := `{"jsonrpc":"2.0","method":"big","params":{"pad":"`, `"}}`
		write(pre + strings.Repeat("x", max(p.N-len(pre)-len(post), 0)) + post + "\n")
	case "stderr":
		fmt.Fprintln(os.Stderr, p.Line)
	case "exit":
		os.Exit(3)
	case "answer-exit":
		write(result() + "\n")
		os.Exit(0)
	case "answer-exit-no-newline":
		write(result())
		os.Exit(0)
	case "env":
		b, _ := json.Marshal(os.Environ())
		write(`{"jsonrpc":"2.0","id":` + string(m.ID) + `,"result":{"env":` + string(b) + "}}\n")
		return
	case "pwd":
		wd, _ := os.Getwd()
		b, _ := json.Marshal(wd)
		write(`{"jsonrpc":"2.0","id":` + string(m.ID) + `,"result":{"dir":` + string(b) + "}}\n")
		return
	}
	write(result() + "\n")
}
