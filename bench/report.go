package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
)

// measurement is one target × scenario × round.
type measurement struct {
	Round      int     `json:"round"`
	Sessions   int     `json:"sessions"`
	Target     string  `json:"target"`
	Calls      int     `json:"calls"`
	Errors     int64   `json:"errors"`
	FirstError string  `json:"first_error,omitempty"`
	ElapsedS   float64 `json:"elapsed_s"`
	CallsPerS  float64 `json:"calls_per_s"`
	P50US      float64 `json:"p50_us"`
	P90US      float64 `json:"p90_us"`
	P99US      float64 `json:"p99_us"`
	MeanUS     float64 `json:"mean_us"`
	MaxUS      float64 `json:"max_us"`
	// CPUUSPerCall is each process's CPU time (user+system, /proc) over the
	// window divided by the calls made (10 ms tick resolution).
	CPUUSPerCall map[string]float64 `json:"cpu_us_per_call"`
	// ForeignCPUPct is the CPU other processes on the machine used during
	// the window, in % of all CPUs (a shared machine's disturbance).
	ForeignCPUPct float64 `json:"foreign_cpu_pct"`
	// Attempts is 1, or more when the measurement was repeated because
	// other processes used too much CPU (see -redo-foreign).
	Attempts int `json:"attempts"`
	// Interleaved: measured with the other targets taking turns call by
	// call in one window (-interleave, one session); calls/s is then the
	// rate of the target's own calls, and the upstream's and client's CPU
	// per call is their mean over every target's calls.
	Interleaved bool `json:"interleaved,omitempty"`
}

func us(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 }

func newMeasurement(round, sessions int, target string, s *sample) measurement {
	m := measurement{Round: round, Sessions: sessions, Target: target, Calls: len(s.Latencies), Errors: s.Errors,
		FirstError: s.FirstErr, ElapsedS: s.Elapsed.Seconds(), CPUUSPerCall: map[string]float64{}}
	if s.Elapsed > 0 {
		m.CallsPerS = float64(len(s.Latencies)) / s.Elapsed.Seconds()
		m.ForeignCPUPct = 100 * s.Foreign.Seconds() / (s.Elapsed.Seconds() * float64(runtime.NumCPU()))
	}
	if len(s.Latencies) > 0 {
		m.P50US = us(percentile(s.Latencies, 50))
		m.P90US = us(percentile(s.Latencies, 90))
		m.P99US = us(percentile(s.Latencies, 99))
		m.MeanUS = us(mean(s.Latencies))
		m.MaxUS = us(s.Latencies[len(s.Latencies)-1])
		for name, c := range s.CPU {
			m.CPUUSPerCall[name] = us(c) / float64(len(s.Latencies))
		}
	}
	return m
}

// summary is the median over rounds of one target × scenario.
type summary struct {
	Sessions     int                `json:"sessions"`
	Target       string             `json:"target"`
	Rounds       int                `json:"rounds"`
	P50US        float64            `json:"p50_us"`
	P99US        float64            `json:"p99_us"`
	CallsPerS    float64            `json:"calls_per_s"`
	Errors       int64              `json:"errors"`
	CPUUSPerCall map[string]float64 `json:"cpu_us_per_call"`
}

// ratios compare the gateway with the references for one scenario.
type ratios struct {
	Sessions             int       `json:"sessions"`
	DirectP50US          float64   `json:"direct_p50_us"`
	ProxyAddedP50US      float64   `json:"proxy_added_p50_us"`
	GatewayAddedP50US    float64   `json:"gateway_added_p50_us"`
	AddedP50VsFloor      float64   `json:"gateway_added_p50_vs_floor_added"`
	AddedP50Target       float64   `json:"added_p50_target_max,omitempty"`
	AddedP50Pass         *bool     `json:"added_p50_pass,omitempty"`
	ThroughputVsFloor    float64   `json:"gateway_throughput_vs_floor"`
	ThroughputTarget     float64   `json:"throughput_target_min,omitempty"`
	ThroughputPass       *bool     `json:"throughput_pass,omitempty"`
	GatewayVsDirectP50   float64   `json:"gateway_vs_direct_p50"`
	GatewayVsDirectTput  float64   `json:"gateway_vs_direct_throughput"`
	ProxyVsDirectTput    float64   `json:"proxy_vs_direct_throughput"`
	PerRoundAddedVsFloor []float64 `json:"per_round_added_p50_vs_floor"`
	PerRoundTputVsFloor  []float64 `json:"per_round_throughput_vs_floor"`
	// -b-env: the A/B twin's added p50 over the floor's, per round and
	// overall (median p50s, as for the gateway).
	BAddedP50VsFloor      float64   `json:"gateway_b_added_p50_vs_floor_added,omitempty"`
	PerRoundBAddedVsFloor []float64 `json:"per_round_gateway_b_added_p50_vs_floor,omitempty"`
}

type auditInfo struct {
	JSONLEvents  int64 `json:"jsonl_events"`
	JSONLBytes   int64 `json:"jsonl_bytes"`
	SQLiteBytes  int64 `json:"sqlite_bytes_incl_wal"`
	GatewayLogKB int64 `json:"gateway_log_kb"`
}

type report struct {
	Meta struct {
		Time        string   `json:"time"`
		Go          string   `json:"go"`
		NumCPU      int      `json:"num_cpu"`
		Commit      string   `json:"commit,omitempty"`
		Dirty       bool     `json:"dirty,omitempty"`
		Command     string   `json:"command"`
		Rounds      int      `json:"rounds"`
		DurationS   float64  `json:"duration_per_measurement_s"`
		MaxCalls    int64    `json:"max_calls_per_measurement"`
		WarmCalls   int      `json:"warm_calls_per_session"`
		Protocol    string   `json:"protocol_version"`
		Targets     []string `json:"targets"`
		Gateway     string   `json:"gateway"`
		Audit       string   `json:"audit_sinks"`
		Description string   `json:"description"`
		LoadStart   float64  `json:"loadavg1_start"`
		LoadEnd     float64  `json:"loadavg1_end"`
		ForeignMax  float64  `json:"foreign_cpu_pct_max"`
		ForeignMed  float64  `json:"foreign_cpu_pct_median"`
		Redone      int      `json:"measurements_repeated"`
		Block       int      `json:"interleave_block,omitempty"` // calls a target makes in a row in the interleaved scenario
	} `json:"meta"`
	Measurements          []measurement `json:"measurements"`
	Summary               []summary     `json:"summary"`
	Ratios                []ratios      `json:"ratios"`
	GatewayRSSStartKB     int64         `json:"gateway_rss_start_kb"`
	GatewayRSSAfterLoadKB int64         `json:"gateway_rss_after_load_kb"`
	Churn                 *churnResult  `json:"session_churn,omitempty"`
	Audit                 *auditInfo    `json:"audit,omitempty"`
}

const (
	addedP50Target   = 1.5
	throughputTarget = 0.8
)

func newReport(o *options) *report {
	r := &report{}
	r.Meta.Time = time.Now().UTC().Format(time.RFC3339)
	r.Meta.Go = runtime.Version()
	r.Meta.NumCPU = runtime.NumCPU()
	r.Meta.Command = strings.TrimSpace("go run ./bench " + strings.Join(os.Args[1:], " "))
	r.Meta.Rounds = o.rounds
	if o.interleave {
		r.Meta.Block = max(o.block, 1)
	}
	r.Meta.LoadStart = loadAvg()
	r.Meta.DurationS = o.duration.Seconds()
	r.Meta.MaxCalls = o.calls
	r.Meta.WarmCalls = o.warmCalls
	r.Meta.Protocol = o.protocol
	r.Meta.Targets = o.targets
	r.Meta.Audit = o.audit
	// the binary's name, not where it was built (a temp dir of this machine)
	r.Meta.Gateway = "mcpwarden serve (" + filepath.Base(o.mcpw) + ")"
	if o.inproc {
		r.Meta.Gateway = "bench gateway (internal packages, cmd/mcpwarden's wiring, with pprof)"
	}
	r.Meta.Description = "tools/call echo via Go SDK StreamableClientTransport; direct = Go SDK demo server; proxy = httputil.ReverseProxy process; gateway = mcpwarden, per-client upstream sessions, policy allow, audit to JSONL + SQLite"
	r.Meta.Commit = gitCommit()
	if strings.HasSuffix(r.Meta.Commit, "+dirty") {
		r.Meta.Commit, r.Meta.Dirty = strings.TrimSuffix(r.Meta.Commit, "+dirty"), true
	}
	return r
}

// gitCommit is the short HEAD commit, with "+dirty" if tracked files differ.
func gitCommit() string {
	out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return ""
	}
	c := strings.TrimSpace(string(out))
	if out, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(strings.TrimSpace(string(out))) > 0 {
		c += "+dirty"
	}
	return c
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func (r *report) find(round, sessions int, target string) *measurement {
	for i := range r.Measurements {
		m := &r.Measurements[i]
		if m.Round == round && m.Sessions == sessions && m.Target == target {
			return m
		}
	}
	return nil
}

func (r *report) sum(sessions int, target string) *summary {
	for i := range r.Summary {
		if r.Summary[i].Sessions == sessions && r.Summary[i].Target == target {
			return &r.Summary[i]
		}
	}
	return nil
}

func (r *report) scenarios() []int {
	var out []int
	for _, m := range r.Measurements {
		if !slices.Contains(out, m.Sessions) {
			out = append(out, m.Sessions)
		}
	}
	return out
}

func (r *report) summarize() {
	r.Meta.LoadEnd = loadAvg()
	var fs []float64
	for _, m := range r.Measurements {
		fs = append(fs, m.ForeignCPUPct)
	}
	if len(fs) > 0 {
		r.Meta.ForeignMax, r.Meta.ForeignMed = slices.Max(fs), median(fs)
	}
	for _, n := range r.scenarios() {
		for _, t := range r.Meta.Targets {
			var p50, p99, cps []float64
			cpu := map[string][]float64{}
			s := summary{Sessions: n, Target: t, CPUUSPerCall: map[string]float64{}}
			for _, m := range r.Measurements {
				if m.Sessions != n || m.Target != t {
					continue
				}
				s.Rounds++
				s.Errors += m.Errors
				p50 = append(p50, m.P50US)
				p99 = append(p99, m.P99US)
				cps = append(cps, m.CallsPerS)
				for k, v := range m.CPUUSPerCall {
					cpu[k] = append(cpu[k], v)
				}
			}
			s.P50US, s.P99US, s.CallsPerS = median(p50), median(p99), median(cps)
			for k, v := range cpu {
				s.CPUUSPerCall[k] = median(v)
			}
			r.Summary = append(r.Summary, s)
		}
	}
	if !slices.Contains(r.Meta.Targets, "direct") || !slices.Contains(r.Meta.Targets, "proxy") || !slices.Contains(r.Meta.Targets, "gateway") {
		return
	}
	// The latency target is judged on sequential calls (the smallest
	// session count: no queueing), the throughput target at the largest.
	minN, maxN := slices.Min(r.scenarios()), slices.Max(r.scenarios())
	for _, n := range r.scenarios() {
		d, p, g := r.sum(n, "direct"), r.sum(n, "proxy"), r.sum(n, "gateway")
		x := ratios{Sessions: n, DirectP50US: d.P50US}
		x.ProxyAddedP50US = p.P50US - d.P50US
		x.GatewayAddedP50US = g.P50US - d.P50US
		x.AddedP50VsFloor = x.GatewayAddedP50US / x.ProxyAddedP50US
		if n == minN {
			x.AddedP50Target = addedP50Target
			pass := x.AddedP50VsFloor <= addedP50Target && x.ProxyAddedP50US > 0
			x.AddedP50Pass = &pass
		}
		x.ThroughputVsFloor = g.CallsPerS / p.CallsPerS
		if n == maxN {
			x.ThroughputTarget = throughputTarget
			pass := x.ThroughputVsFloor >= throughputTarget
			x.ThroughputPass = &pass
		}
		if b := r.sum(n, "gateway-b"); b != nil {
			x.BAddedP50VsFloor = round2((b.P50US - d.P50US) / x.ProxyAddedP50US)
		}
		x.GatewayVsDirectP50 = g.P50US / d.P50US
		x.GatewayVsDirectTput = g.CallsPerS / d.CallsPerS
		x.ProxyVsDirectTput = p.CallsPerS / d.CallsPerS
		for round := 1; round <= r.Meta.Rounds; round++ {
			dm, pm, gm := r.find(round, n, "direct"), r.find(round, n, "proxy"), r.find(round, n, "gateway")
			if dm == nil || pm == nil || gm == nil {
				continue
			}
			x.PerRoundAddedVsFloor = append(x.PerRoundAddedVsFloor, round2((gm.P50US-dm.P50US)/(pm.P50US-dm.P50US)))
			if bm := r.find(round, n, "gateway-b"); bm != nil {
				x.PerRoundBAddedVsFloor = append(x.PerRoundBAddedVsFloor, round2((bm.P50US-dm.P50US)/(pm.P50US-dm.P50US)))
			}
			x.PerRoundTputVsFloor = append(x.PerRoundTputVsFloor, round2(gm.CallsPerS/pm.CallsPerS))
		}
		r.Ratios = append(r.Ratios, x)
	}
}

func round2(f float64) float64 { return float64(int64(f*100+0.5*sign(f))) / 100 }

func sign(f float64) float64 {
	if f < 0 {
		return -1
	}
	return 1
}

func passMark(ok bool) string {
	if ok {
		return "✅"
	}
	return "❌"
}

func (r *report) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "## mcpwarden end-to-end overhead (%s, %s, %d CPUs, commit %s%s)\n\n", r.Meta.Time, r.Meta.Go, r.Meta.NumCPU, r.Meta.Commit, map[bool]string{true: "+dirty", false: ""}[r.Meta.Dirty])
	tool := "`echo`"
	if strings.Contains(r.Meta.Command, "-result-bytes") {
		tool = "`report` (a small argument, a result of the size asked)"
	}
	fmt.Fprintf(&b, "`%s` — tools/call %s, median of %d rounds × %.0fs per target and scenario, targets interleaved; gateway audit sinks: %s.\n\n", r.Meta.Command, tool, r.Meta.Rounds, r.Meta.DurationS, r.Meta.Audit)
	for _, m := range r.Measurements {
		if m.Interleaved {
			fmt.Fprintf(&b, "One session: in each round the targets take turns in one window (one session each, %d calls a turn, the order rotating every cycle), so drift on the machine falls on all of them alike; calls/s is the rate of the target's own calls, and the upstream's and client's CPU per call is their mean over all targets' calls.\n\n", r.Meta.Block)
			break
		}
	}
	b.WriteString("| sessions | target | p50 µs | p99 µs | calls/s | CPU µs/call: hop process | upstream | client |\n")
	b.WriteString("|---:|---|---:|---:|---:|---:|---:|---:|\n")
	for _, s := range r.Summary {
		hop := "–"
		switch s.Target {
		case "proxy":
			hop = fmt.Sprintf("%.0f", s.CPUUSPerCall["proxy"])
		case "gateway", "gateway-b":
			hop = fmt.Sprintf("%.0f", s.CPUUSPerCall[s.Target])
		}
		errs := ""
		if s.Errors > 0 {
			errs = fmt.Sprintf(" (%d errors)", s.Errors)
		}
		fmt.Fprintf(&b, "| %d | %s%s | %.0f | %.0f | %.0f | %s | %.0f | %.0f |\n", s.Sessions, s.Target, errs, s.P50US, s.P99US, s.CallsPerS,
			hop, s.CPUUSPerCall["upstream"], s.CPUUSPerCall["client"])
	}
	if len(r.Ratios) > 0 {
		b.WriteString("\n| sessions | direct p50 µs | floor added p50 µs | gateway added p50 µs | gateway added / floor added | per round | gateway / floor calls/s | per round | gateway / direct p50 | gateway / direct calls/s |\n")
		b.WriteString("|---:|---:|---:|---:|---:|---|---:|---|---:|---:|\n")
		for _, x := range r.Ratios {
			tp := fmt.Sprintf("%.2f×", x.ThroughputVsFloor)
			if x.ThroughputPass != nil {
				tp += " (≥ 0.8) " + passMark(*x.ThroughputPass)
			}
			lat := fmt.Sprintf("%.2f×", x.AddedP50VsFloor)
			if x.AddedP50Pass != nil {
				lat += " (≤ 1.5) " + passMark(*x.AddedP50Pass)
			}
			fmt.Fprintf(&b, "| %d | %.0f | %.0f | %.0f | %s | %v | %s | %v | %.2f× | %.2f× |\n", x.Sessions, x.DirectP50US, x.ProxyAddedP50US, x.GatewayAddedP50US,
				lat, x.PerRoundAddedVsFloor, tp, x.PerRoundTputVsFloor, x.GatewayVsDirectP50, x.GatewayVsDirectTput)
		}
		for _, x := range r.Ratios {
			if len(x.PerRoundBAddedVsFloor) > 0 {
				fmt.Fprintf(&b, "\nA/B, %d session(s): gateway-b added / floor added %.2f× (per round %v) against the gateway's %.2f× (per round %v).\n",
					x.Sessions, x.BAddedP50VsFloor, x.PerRoundBAddedVsFloor, x.AddedP50VsFloor, x.PerRoundAddedVsFloor)
			}
		}
	}
	fmt.Fprintf(&b, "\nOther processes on the machine during the measurements kept: median %.1f%%, max %.1f%% of all CPUs; %d measurement(s) repeated because of them (load average %.2f at start, %.2f after the rounds).\n",
		r.Meta.ForeignMed, r.Meta.ForeignMax, r.Meta.Redone, r.Meta.LoadStart, r.Meta.LoadEnd)
	b.WriteString("\nTargets: gateway added p50 ≤ 1.5× the floor's, judged on sequential calls (1 session; with more sessions on 2 cores p50 is mostly queueing); gateway calls/s ≥ 0.8× the floor's at the largest session count.\n")
	b.WriteString("\nPer round (p50 µs / calls/s):\n\n| sessions | target |")
	for i := 1; i <= r.Meta.Rounds; i++ {
		fmt.Fprintf(&b, " round %d |", i)
	}
	b.WriteString("\n|---:|---|" + strings.Repeat("---:|", r.Meta.Rounds) + "\n")
	for _, s := range r.Summary {
		fmt.Fprintf(&b, "| %d | %s |", s.Sessions, s.Target)
		for i := 1; i <= r.Meta.Rounds; i++ {
			if m := r.find(i, s.Sessions, s.Target); m != nil {
				fmt.Fprintf(&b, " %.0f / %.0f |", m.P50US, m.CallsPerS)
			} else {
				b.WriteString(" – |")
			}
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "\nGateway RSS: %.1f MiB at start, %.1f MiB after the load rounds.\n", float64(r.GatewayRSSStartKB)/1024, float64(r.GatewayRSSAfterLoadKB)/1024)
	if c := r.Churn; c != nil {
		fmt.Fprintf(&b, "\nSession churn (raw HTTP initialize + notifications/initialized%s + DELETE, %d workers): %d cycles in %.1fs (%.0f/s), %d errors, gateway sessions at end: %d%s (load average %.2f → %.2f)\n\n",
			map[bool]string{true: " + tools/call", false: ""}[c.CallPerCycle], c.Workers, c.Cycles, c.DurationS, c.CyclesPerS, c.Errors, c.SessionsEnd,
			map[bool]string{true: " (TIMED OUT)", false: ""}[c.TimedOut], c.LoadStart, c.LoadEnd)
		b.WriteString("| cycles | gateway RSS MiB | gateway open fds |\n|---:|---:|---:|\n")
		for _, p := range c.RSS {
			fmt.Fprintf(&b, "| %d | %.1f | %d |\n", p.Cycles, float64(p.RSSKB)/1024, p.FDs)
		}
		if c.FirstError != "" {
			fmt.Fprintf(&b, "\nfirst churn error: %s\n", c.FirstError)
		}
	}
	if a := r.Audit; a != nil {
		fmt.Fprintf(&b, "\nAudit: %d JSONL events (%.1f MiB), SQLite %.1f MiB (with WAL), gateway log %d KiB.\n", a.JSONLEvents, float64(a.JSONLBytes)/(1<<20), float64(a.SQLiteBytes)/(1<<20), a.GatewayLogKB)
	}
	return b.String()
}

// auditStats checks audit was on: events in the JSONL file, store size.
func auditStats(dir string) *auditInfo {
	a := &auditInfo{}
	if f, err := os.Open(filepath.Join(dir, "audit.jsonl")); err == nil {
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		for sc.Scan() {
			a.JSONLEvents++
		}
		f.Close()
	}
	if st, err := os.Stat(filepath.Join(dir, "audit.jsonl")); err == nil {
		a.JSONLBytes = st.Size()
	}
	for _, suf := range []string{"", "-wal", "-shm"} {
		if st, err := os.Stat(filepath.Join(dir, "mcpwarden.db"+suf)); err == nil {
			a.SQLiteBytes += st.Size()
		}
	}
	if st, err := os.Stat(filepath.Join(dir, "gateway.log")); err == nil {
		a.GatewayLogKB = st.Size() / 1024
	}
	return a
}
