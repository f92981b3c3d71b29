// Command bench is mcpwarden's end-to-end overhead benchmark.
//
// In one run on one machine it starts three processes — the Go SDK demo
// MCP server (`mcpwarden demo-server --http`), a plain
// net/http/httputil.ReverseProxy in front of it (`bench proxy`, the floor)
// and the gateway (`mcpwarden serve`, audit to a JSONL file and to the
// SQLite store) — and drives Go SDK clients (Streamable HTTP) against the
// direct connection, the proxy and the gateway, in interleaved rounds:
// sequential tools/call of echo on 1 session, then on 8 and 32 concurrent
// sessions. It reports p50/p99 latency and calls/s per target and
// scenario (median of the rounds), the gateway's added latency and
// throughput against the floor, then opens and closes sessions on the
// gateway (raw HTTP) and reports its RSS along the way.
//
//	go run ./bench                      # the default run, writes bench/results/latest.json
//	go run ./bench -soak-sse 15m        # standalone SSE stream soak only
//	go run ./bench proxy --listen 127.0.0.1:9000 --target http://127.0.0.1:3001
//	go run ./bench gateway --config FILE --cpuprofile cpu.pprof
//
// See bench/README.md.
package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type options struct {
	mcpw             string
	rounds           int
	sessions         []int
	targets          []string
	duration         time.Duration
	calls            int64
	warmup           time.Duration
	warmCalls        int
	protocol         string
	upstreamProtocol string
	churn            int64
	churnWorkers     int
	churnTimeout     time.Duration
	churnCall        bool
	soak             time.Duration
	keepAlive        time.Duration
	out              string
	outSet           bool
	md               string
	profile          string
	inproc           bool
	interleave       bool
	block            int
	bEnv             string // -b-env: a second gateway (target gateway-b) with this environment
	bScan            string // -b-scan-results
	bYAML            string // -b-yaml
	bAudit           string // -b-audit
	bMcpw            string // -b-mcpw: gateway-b's binary
	auth             bool
	policy           bool
	messageBytes     int
	resultBytes      int
	servers          int
	gatewayEnv       string
	scanResults      string
	keep             bool
	logLevel         string
	audit            string
	hold             time.Duration
	redoForeign      float64
	redoMax          int
}

func main() {
	if len(os.Args) > 1 {
		var err error
		switch os.Args[1] {
		case "proxy":
			err = runProxy(os.Args[2:])
		case "gateway":
			err = runGateway(os.Args[2:])
		default:
			err = runBench(os.Args[1:])
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		return
	}
	if err := runBench(nil); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("bench", flag.ExitOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: bench [flags]            end-to-end overhead benchmark (see bench/README.md)")
		fmt.Fprintln(fs.Output(), "       bench proxy --listen ADDR --target URL   plain reverse proxy (the floor)")
		fmt.Fprintln(fs.Output(), "       bench gateway --config FILE [--cpuprofile F]   in-process gateway with pprof")
		fs.PrintDefaults()
	}
	fs.StringVar(&o.mcpw, "mcpw", "", "mcpwarden binary (default: go build ./cmd/mcpwarden into the temp dir)")
	fs.IntVar(&o.rounds, "rounds", 5, "rounds; each round runs every scenario on every target, targets interleaved")
	sessions := fs.String("sessions", "1,8,32", "scenarios: numbers of concurrent sessions (each makes sequential calls)")
	targets := fs.String("targets", "direct,proxy,gateway", "targets to measure (direct, proxy, gateway)")
	fs.DurationVar(&o.duration, "duration", 2*time.Second, "measurement time per target, scenario and round")
	fs.Int64Var(&o.calls, "calls", 100000, "at most this many calls per measurement (0: no bound)")
	fs.DurationVar(&o.warmup, "warmup", 2*time.Second, "warm-up per target before the rounds (8 sessions)")
	fs.IntVar(&o.warmCalls, "warm-calls", 20, "calls per session before each measurement")
	fs.StringVar(&o.protocol, "protocol", "2025-11-25", "MCP protocol version the SDK client asks for (same for every target)")
	fs.StringVar(&o.upstreamProtocol, "upstream-protocol", "same", "revision the gateway speaks to the upstream: same (the client's, as the direct and proxy paths do), auto (the gateway's default: the demo upstream then answers 2026-07-28, a bridged call), or a revision")
	fs.Int64Var(&o.churn, "churn", 100000, "session open/close cycles on the gateway for the RSS series (0: skip)")
	fs.IntVar(&o.churnWorkers, "churn-workers", 8, "concurrent workers for the session churn")
	fs.DurationVar(&o.churnTimeout, "churn-timeout", 120*time.Second, "time bound of the session churn")
	fs.BoolVar(&o.churnCall, "churn-call", false, "also make one tools/call in each churn cycle (dials a per-client upstream session)")
	fs.DurationVar(&o.soak, "soak-sse", 0, "run only the standalone SSE soak for this long (e.g. 15m)")
	fs.DurationVar(&o.keepAlive, "keepalive", 25*time.Second, "with -soak-sse: the gateway's keep-alive interval, for the expected comment count")
	fs.StringVar(&o.out, "out", "bench/results/latest.json", "write the JSON results here (\"\": don't)")
	fs.StringVar(&o.md, "md", "", "also write the markdown report here")
	fs.StringVar(&o.profile, "profile", "", "write CPU profiles into this directory: the gateway's (mcpwarden serve with MCPWARDEN_CPUPROFILE; with -inproc also heap and mutex) and the proxy's")
	fs.StringVar(&o.bEnv, "b-env", "", "A/B: also run a second gateway, target gateway-b, the same but with this extra environment (comma-separated, e.g. GOGC=400); add gateway-b to -targets")
	fs.StringVar(&o.bMcpw, "b-mcpw", "", "A/B: gateway-b runs this mcpwarden binary (default: the gateway's), e.g. a build of another commit")
	fs.StringVar(&o.bScan, "b-scan-results", "", "A/B: gateway-b's scan.results (default: the same as the gateway's)")
	fs.StringVar(&o.bAudit, "b-audit", "", "A/B: gateway-b's audit sinks (jsonl+store, jsonl or store; default: -audit's)")
	fs.StringVar(&o.bYAML, "b-yaml", "", "A/B: extra top-level configuration for gateway-b (YAML, e.g. 'detect: {disabled: [all]}')")
	fs.BoolVar(&o.interleave, "interleave", true, "one-session scenario: the targets take turns in one window (one session each, -block calls a turn), rather than one window per target")
	fs.IntVar(&o.block, "block", 10, "with -interleave: calls a target makes in a row before the next takes its turn; 1 alternates call by call, where each call follows another target's and bears that target's work left running after its answer (a gateway's scan behind the answer, its audit writer)")
	fs.BoolVar(&o.inproc, "inproc", false, "run the gateway as `bench gateway`: built from the internal packages with cmd/mcpwarden's wiring, plus a net/http/pprof endpoint (logged) and -audit off")
	fs.BoolVar(&o.keep, "keep", false, "keep the temp dir (config, logs, audit JSONL, SQLite)")
	fs.StringVar(&o.logLevel, "log-level", "info", "gateway --log-level")
	fs.Float64Var(&o.redoForeign, "redo-foreign", 15, "repeat a measurement during which other processes used more than this % of all CPUs (0: never)")
	fs.IntVar(&o.redoMax, "redo-max", 12, "at most this many repeated measurements per run (bounds the run time)")
	fs.DurationVar(&o.hold, "hold", 0, "keep the processes running this long after measuring, for inspection (pprof, /proc)")
	fs.StringVar(&o.scanResults, "scan-results", "", "set the gateway's scan.results (annotate, redact, block, off; default: the gateway's default, annotate)")
	fs.StringVar(&o.gatewayEnv, "gateway-env", "", "extra environment of the gateway process only, comma-separated (e.g. GOGC=200), for diagnosis")
	fs.IntVar(&o.servers, "servers", 1, "configure the upstream as this many servers (demo, demo2, ...; calls go to demo's tools): from two on, results are also fingerprinted for mcp.cross_app_flow")
	fs.IntVar(&o.resultBytes, "result-bytes", 0, "call the upstream's report tool instead of echo: a small argument and a plain-text result of this many bytes (what the gateway scans, without a large argument to audit)")
	fs.IntVar(&o.messageBytes, "message-bytes", 0, "echo a message of this many bytes (e.g. 65536: results the gateway scans at that size)")
	fs.BoolVar(&o.policy, "policy", false, "run the gateway with policy.default deny and 100 tool rules (argument allowlist and a CEL condition on echo, checked with the input schema)")
	fs.BoolVar(&o.auth, "auth", false, "run the gateway with auth.mode embedded and a scope on every tool; sessions carry a client_credentials token (no session churn)")
	fs.StringVar(&o.audit, "audit", "jsonl+store", "gateway audit sinks, for diagnosis: jsonl+store (the benchmark's setting), jsonl, store, or off (only with -inproc: no audit logger at all)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	fs.Visit(func(f *flag.Flag) { o.outSet = o.outSet || f.Name == "out" })
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	for _, f := range strings.Split(*sessions, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("-sessions: bad value %q", f)
		}
		o.sessions = append(o.sessions, n)
	}
	for _, t := range strings.Split(*targets, ",") {
		t = strings.TrimSpace(t)
		switch t {
		case "direct", "proxy", "gateway", "gateway-b":
			o.targets = append(o.targets, t)
		default:
			return nil, fmt.Errorf("-targets: unknown target %q", t)
		}
	}
	switch o.bAudit {
	case "", "jsonl+store", "jsonl", "store":
	default:
		return nil, fmt.Errorf("-b-audit: unknown value %q", o.bAudit)
	}
	switch o.audit {
	case "jsonl+store", "jsonl", "store":
	case "off":
		if !o.inproc {
			return nil, errors.New("-audit off needs -inproc; mcpwarden serve refuses a configuration without an audit destination")
		}
	default:
		return nil, fmt.Errorf("-audit: unknown value %q", o.audit)
	}
	if o.rounds < 1 {
		return nil, errors.New("-rounds must be >= 1")
	}
	return o, nil
}

// env is the running set of processes.
type env struct {
	dir                 string
	upstream, px, gw    *proc
	upURL, pxURL, gwURL string
	gwB                 *proc  // -b-env: the A/B twin
	gwBURL              string // its endpoint
	gwBase              string
	pprofURL            string
	procs               []*proc
	auth                *benchAuth // -auth
	token               string     // -auth: the sessions' bearer token
}

func (e *env) stop() {
	for i := len(e.procs) - 1; i >= 0; i-- {
		e.procs[i].stop(10 * time.Second)
	}
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

func runBench(args []string) error {
	o, err := parseFlags(args)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	dir, err := os.MkdirTemp("", "mcpwarden-bench-")
	if err != nil {
		return err
	}
	if o.keep {
		logf("temp dir %s (kept)", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	if o.mcpw == "" {
		o.mcpw = filepath.Join(dir, "mcpwarden")
		logf("building the gateway: go build -o %s ./cmd/mcpwarden", o.mcpw)
		root, err := moduleRoot()
		if err != nil {
			return err
		}
		cmd := exec.CommandContext(ctx, "go", "build", "-o", o.mcpw, "./cmd/mcpwarden")
		cmd.Dir = root
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("go build: %w", err)
		}
	}
	if o.profile != "" {
		if err := os.MkdirAll(o.profile, 0o755); err != nil {
			return err
		}
		if o.profile, err = filepath.Abs(o.profile); err != nil {
			return err
		}
	}
	e, err := startEnv(o, dir)
	if e != nil {
		defer e.stop()
	}
	if err != nil {
		return err
	}
	if o.soak > 0 {
		return soakOnly(ctx, o, e)
	}
	rep, err := measure(ctx, o, e)
	if err != nil {
		return err
	}
	if o.hold > 0 {
		logf("holding the processes for %s (gateway pid %d)", o.hold, e.gw.pid())
		select {
		case <-time.After(o.hold):
		case <-ctx.Done():
		}
	}
	e.stop()
	rep.Audit = auditStats(dir)
	md := rep.markdown()
	fmt.Println(md)
	if o.md != "" {
		if err := os.WriteFile(o.md, []byte(md), 0o644); err != nil {
			return err
		}
	}
	if o.out != "" {
		if err := os.MkdirAll(filepath.Dir(o.out), 0o755); err != nil {
			return err
		}
		b, _ := json.MarshalIndent(rep, "", "  ")
		if err := os.WriteFile(o.out, append(b, '\n'), 0o644); err != nil {
			return err
		}
		logf("wrote %s", o.out)
	}
	if o.profile != "" {
		logf("profiles in %s (go tool pprof -top %s)", o.profile, filepath.Join(o.profile, "gateway.cpu.pprof"))
	}
	return nil
}

func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("run from inside the mcpwarden module (or pass -mcpw)")
	}
	return filepath.Dir(mod), nil
}

// startEnv starts the upstream, the proxy and the gateway.
func startEnv(o *options, dir string) (*env, error) {
	e := &env{dir: dir}
	ports := make([]int, 3)
	for i := range ports {
		p, err := freePort()
		if err != nil {
			return nil, err
		}
		ports[i] = p
	}
	upAddr := fmt.Sprintf("127.0.0.1:%d", ports[0])
	pxAddr := fmt.Sprintf("127.0.0.1:%d", ports[1])
	gwAddr := fmt.Sprintf("127.0.0.1:%d", ports[2])
	e.upURL = "http://" + upAddr + "/mcp"
	e.pxURL = "http://" + pxAddr + "/mcp"
	e.gwBase = "http://" + gwAddr
	e.gwURL = e.gwBase + "/mcp"

	var err error
	e.upstream, err = startProc(dir, "upstream", o.mcpw, "demo-server", "--bench-tools", "--http", upAddr)
	if err != nil {
		return e, err
	}
	e.procs = append(e.procs, e.upstream)
	if err := waitTCP(e.upstream, upAddr, 30*time.Second); err != nil {
		return e, err
	}

	self, err := os.Executable()
	if err != nil {
		return e, err
	}
	pxArgs := []string{"proxy", "--listen", pxAddr, "--target", "http://" + upAddr}
	if o.profile != "" {
		pxArgs = append(pxArgs, "--cpuprofile", filepath.Join(o.profile, "proxy.cpu.pprof"))
	}
	e.px, err = startProc(dir, "proxy", self, pxArgs...)
	if err != nil {
		return e, err
	}
	e.procs = append(e.procs, e.px)
	if err := waitTCP(e.px, pxAddr, 30*time.Second); err != nil {
		return e, err
	}

	cfg := filepath.Join(dir, "mcpwarden.yaml")
	auditYAML := auditConfig(o.audit, filepath.Join(dir, "audit.jsonl"))
	authYAML, toolsYAML := "", ""
	if o.auth {
		if e.auth, err = newBenchAuth(dir); err != nil {
			return e, err
		}
		authYAML, toolsYAML = e.auth.yaml(gwAddr)
	}
	policyDefault := "allow"
	scanYAML := ""
	if o.scanResults != "" {
		scanYAML = "scan:\n  results: " + o.scanResults + "\n"
	}
	if o.policy {
		if o.auth {
			return e, fmt.Errorf("-policy and -auth are measured separately")
		}
		policyDefault = "deny"
		toolsYAML = policyToolsYAML(100)
	}
	upProto := o.upstreamProtocol
	if upProto == "same" {
		upProto = o.protocol
	}
	moreServers := ""
	for i := 2; i <= o.servers; i++ {
		moreServers += fmt.Sprintf("  demo%d:\n    url: %s\n    protocol: \"%s\"\n", i, e.upURL, upProto)
	}
	mkYAML := func(addr, scanYAML, auditYAML, db string) string {
		return fmt.Sprintf(`# written by mcpwarden bench
listen: %s
%sservers:
  demo:
    url: %s
    protocol: "%s"
%s%spolicy:
  default: %s
%s%sstore:
  path: %s
`, addr, authYAML, e.upURL, upProto, toolsYAML, moreServers, policyDefault, scanYAML, auditYAML, db)
	}
	yaml := mkYAML(gwAddr, scanYAML, auditYAML, filepath.Join(dir, "mcpwarden.db"))
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		return e, err
	}

	switch {
	case o.inproc:
		pp, perr := freePort()
		if perr != nil {
			return e, perr
		}
		e.pprofURL = fmt.Sprintf("http://127.0.0.1:%d/debug/pprof/", pp)
		args := []string{"gateway", "--config", cfg, "--pprof", fmt.Sprintf("127.0.0.1:%d", pp), "--no-audit=" + strconv.FormatBool(o.audit == "off")}
		if o.profile != "" {
			args = append(args, "--cpuprofile", filepath.Join(o.profile, "gateway.cpu.pprof"),
				"--memprofile", filepath.Join(o.profile, "gateway.heap.pprof"),
				"--mutexprofile", filepath.Join(o.profile, "gateway.mutex.pprof"))
		}
		e.gw, err = startProc(dir, "gateway", self, args...)
	default:
		var env []string
		if o.gatewayEnv != "" {
			env = strings.Split(o.gatewayEnv, ",")
		}
		if o.profile != "" {
			env = append(env, "MCPWARDEN_CPUPROFILE="+filepath.Join(o.profile, "gateway.cpu.pprof"))
		}
		e.gw, err = startProcEnv(dir, "gateway", env, o.mcpw, "serve", "--config", cfg, "--log-level", o.logLevel)
	}
	if err != nil {
		return e, err
	}
	e.procs = append(e.procs, e.gw)
	if err := waitHealthy(e.gw, e.gwBase, 30*time.Second); err != nil {
		return e, err
	}
	if slices.Contains(o.targets, "gateway-b") {
		if o.inproc || o.auth {
			return e, errors.New("gateway-b runs mcpwarden serve without -inproc and -auth")
		}
		pb, err := freePort()
		if err != nil {
			return e, err
		}
		bAddr := fmt.Sprintf("127.0.0.1:%d", pb)
		bScan := scanYAML
		if o.bScan != "" {
			bScan = "scan:\n  results: " + o.bScan + "\n"
		}
		bAudit := auditConfig(cmp.Or(o.bAudit, o.audit), filepath.Join(dir, "audit-b.jsonl"))
		if o.bYAML != "" {
			bAudit += strings.TrimRight(o.bYAML, "\n") + "\n"
		}
		cfgB := filepath.Join(dir, "mcpwarden-b.yaml")
		if err := os.WriteFile(cfgB, []byte(mkYAML(bAddr, bScan, bAudit, filepath.Join(dir, "mcpwarden-b.db"))), 0o600); err != nil {
			return e, err
		}
		var env []string
		if o.bEnv != "" {
			env = strings.Split(o.bEnv, ",")
		}
		bBin := o.mcpw
		if o.bMcpw != "" {
			bBin = o.bMcpw
		}
		if e.gwB, err = startProcEnv(dir, "gateway-b", env, bBin, "serve", "--config", cfgB, "--log-level", o.logLevel); err != nil {
			return e, err
		}
		e.procs = append(e.procs, e.gwB)
		if err := waitHealthy(e.gwB, "http://"+bAddr, 30*time.Second); err != nil {
			return e, err
		}
		e.gwBURL = "http://" + bAddr + "/mcp"
		logf("gateway-b pid %d %s (binary %s, env %q, scan.results %q)", e.gwB.pid(), e.gwBURL, bBin, o.bEnv, o.bScan)
	}
	logf("upstream pid %d %s, proxy pid %d %s, gateway pid %d %s", e.upstream.pid(), e.upURL, e.px.pid(), e.pxURL, e.gw.pid(), e.gwURL)
	if e.pprofURL != "" {
		logf("gateway pprof at %s", e.pprofURL)
	}
	if e.auth != nil {
		if e.token, err = e.auth.token(e.gwBase); err != nil {
			return e, err
		}
		logf("gateway auth on: sessions carry a client_credentials token")
	}
	return e, nil
}

func (e *env) target(name string) target {
	switch name {
	case "direct":
		return target{Name: name, URL: e.upURL, Tool: "echo"}
	case "proxy":
		return target{Name: name, URL: e.pxURL, Tool: "echo"}
	case "gateway-b":
		return target{Name: name, URL: e.gwBURL, Tool: "demo__echo"}
	default:
		return target{Name: name, URL: e.gwURL, Tool: "demo__echo", Token: e.token}
	}
}

func (e *env) pids() map[string]int {
	m := map[string]int{"client": os.Getpid(), "upstream": e.upstream.pid(), "proxy": e.px.pid(), "gateway": e.gw.pid()}
	if e.gwB != nil {
		m["gateway-b"] = e.gwB.pid()
	}
	return m
}

// measure runs the warm-up, the rounds and the session churn.
func measure(ctx context.Context, o *options, e *env) (*report, error) {
	rep := newReport(o)
	hc := newHTTPClient()
	defer hc.CloseIdleConnections()
	rep.GatewayRSSStartKB, _ = rssKB(e.gw.pid())
	for _, name := range o.targets {
		if o.warmup <= 0 {
			break
		}
		logf("warm-up %s (%s, 8 sessions)", name, o.warmup)
		if _, err := runLoad(ctx, hc, e.target(name), loadOpts{Sessions: 8, Duration: o.warmup, WarmCalls: o.warmCalls, Protocol: o.protocol}); err != nil {
			return nil, err
		}
	}
	for r := range o.rounds {
		for _, n := range o.sessions {
			// Rotate the target order each round so no target always runs
			// first (or right after the same neighbour).
			order := append([]string(nil), o.targets...)
			k := r % len(order)
			order = append(order[k:], order[:k]...)
			if n == 1 && o.interleave && len(order) > 1 {
				if err := measureInterleaved(ctx, o, e, hc, rep, r, order); err != nil {
					return nil, err
				}
				continue
			}
			for _, name := range order {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
				var m measurement
				for attempt := 1; ; attempt++ {
					smp, err := runLoad(ctx, hc, e.target(name), loadOpts{
						Sessions: n, Duration: o.duration, MaxCalls: o.calls, WarmCalls: o.warmCalls,
						Protocol: o.protocol, PIDs: e.pids(), MessageBytes: o.messageBytes, ResultBytes: o.resultBytes,
					})
					if err != nil {
						return nil, err
					}
					m = newMeasurement(r+1, n, name, smp)
					m.Attempts = attempt
					if o.redoForeign <= 0 || m.ForeignCPUPct <= o.redoForeign || rep.Meta.Redone >= o.redoMax {
						break
					}
					rep.Meta.Redone++
					logf("round %d  %2d sessions  %-7s  other processes used %.0f%% CPU: measuring again", r+1, n, name, m.ForeignCPUPct)
				}
				rep.Measurements = append(rep.Measurements, m)
				logf("round %d  %2d sessions  %-7s  p50 %7.0fµs  p99 %7.0fµs  %7.0f calls/s  errors %d  other processes %4.1f%% CPU", r+1, n, name, m.P50US, m.P99US, m.CallsPerS, m.Errors, m.ForeignCPUPct)
				if m.Errors > 0 {
					logf("  first error: %s", m.FirstError)
				}
			}
		}
	}
	rep.GatewayRSSAfterLoadKB, _ = rssKB(e.gw.pid())
	rep.summarize()
	if o.churn > 0 && contains(o.targets, "gateway") && !o.auth {
		logf("session churn: %d open/close cycles on the gateway, %d workers", o.churn, o.churnWorkers)
		rep.Churn = runChurn(ctx, e.gw, e.gwBase, e.gwURL, "demo__echo", o.churn, o.churnWorkers, o.churnCall, o.churnTimeout)
		logf("session churn: %d cycles in %.1fs (%.0f/s), %d errors, sessions at end %d", rep.Churn.Cycles, rep.Churn.DurationS, rep.Churn.CyclesPerS, rep.Churn.Errors, rep.Churn.SessionsEnd)
	}
	return rep, nil
}

// measureInterleaved is one round of the one-session scenario with the
// targets taking turns call by call (runInterleaved), repeated when other
// processes used the machine, as a separate measurement would be.
func measureInterleaved(ctx context.Context, o *options, e *env, hc *http.Client, rep *report, r int, order []string) error {
	ts := make([]target, len(order))
	for i, name := range order {
		ts[i] = e.target(name)
	}
	for attempt := 1; ; attempt++ {
		smps, err := runInterleaved(ctx, hc, ts, loadOpts{
			Sessions: 1, Duration: o.duration, MaxCalls: o.calls, WarmCalls: o.warmCalls,
			Protocol: o.protocol, PIDs: e.pids(), MessageBytes: o.messageBytes, ResultBytes: o.resultBytes, Block: o.block,
		})
		if err != nil {
			return err
		}
		ms := make([]measurement, 0, len(order))
		worst := 0.0
		for _, name := range order {
			m := newMeasurement(r+1, 1, name, smps[name])
			m.Attempts = attempt
			m.Interleaved = true
			worst = max(worst, m.ForeignCPUPct)
			ms = append(ms, m)
		}
		if o.redoForeign > 0 && worst > o.redoForeign && rep.Meta.Redone < o.redoMax {
			rep.Meta.Redone++
			logf("round %d   1 session   interleaved  other processes used %.0f%% CPU: measuring again", r+1, worst)
			continue
		}
		for _, m := range ms {
			rep.Measurements = append(rep.Measurements, m)
			logf("round %d   1 session   %-7s  p50 %7.0fµs  p99 %7.0fµs  %7.0f calls/s  errors %d  other processes %4.1f%% CPU (interleaved)", r+1, m.Target, m.P50US, m.P99US, m.CallsPerS, m.Errors, m.ForeignCPUPct)
			if m.Errors > 0 {
				logf("  first error: %s", m.FirstError)
			}
		}
		return nil
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func soakOnly(ctx context.Context, o *options, e *env) error {
	logf("soak: holding a standalone SSE stream on a gateway session for %s", o.soak)
	res, err := runSoak(ctx, e.gw, e.gwBase, e.gwURL, "demo__echo", o.soak, o.keepAlive, func(s string) { logf("%s", s) })
	if err != nil {
		return err
	}
	b, _ := json.MarshalIndent(map[string]any{"soak_sse": res, "go": runtime.Version(), "time": time.Now().UTC().Format(time.RFC3339),
		"command": "go run ./bench " + strings.Join(os.Args[1:], " "), "commit": gitCommit()}, "", "  ")
	fmt.Println(string(b))
	if o.out != "" && o.outSet {
		if err := os.WriteFile(o.out, append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	if !res.StayedOpen || !res.CallOK || res.KeepAlives < res.KeepAlivesMin {
		return fmt.Errorf("soak failed: stayed_open=%v (%s) tools_call_ok=%v (%s) keep_alives=%d (expected >= %d)",
			res.StayedOpen, res.StreamError, res.CallOK, res.CallError, res.KeepAlives, res.KeepAlivesMin)
	}
	logf("soak passed: stream open for %.0fs, %d keep-alives (max gap %.1fs), tools/call answered", res.DurationS, res.KeepAlives, res.MaxGapS)
	return nil
}

// policyToolsYAML is a tools block of n rules: the echo tool with an
// argument allowlist and a CEL condition, and n-1 rules for other tools
// that the matcher passes over.
func policyToolsYAML(n int) string {
	var b strings.Builder
	b.WriteString("    tools:\n")
	for i := 0; i < n-1; i++ {
		fmt.Fprintf(&b, "      other-%d: {arguments: [a], when: \"args.a <= %d\"}\n", i, 100+i)
	}
	b.WriteString("      echo: {arguments: [message], when: \"args.message.size() < 4096 && !args.message.contains('..')\"}\n")
	return b.String()
}

// auditConfig is the audit section for a -audit setting, with the JSONL
// file (if any) at file.
func auditConfig(mode, file string) string {
	switch mode {
	case "jsonl+store":
		return "audit:\n  file: " + file + "\n"
	case "jsonl":
		return "audit:\n  file: " + file + "\n  store: false\n"
	}
	return "audit: {}\n" // store, off: the default (store on, no file)
}
