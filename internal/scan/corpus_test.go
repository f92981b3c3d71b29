package scan

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// FlagThreshold is what "flagged" means in the corpus evaluation: a tool
// (or row) is flagged when it has at least one finding of this severity or
// higher.
const FlagThreshold = Medium

// Floors for the corpus evaluation, set just under the measured figures
// (all 1.000, and 0 of 177 server tools flagged, when they were set) so
// that a regression fails the test.
const (
	floorPrecision   = 0.99 // dev + extra
	floorRecall      = 0.99 // dev
	floorExtraRecall = 0.99
	floorHardBenign  = 0.99 // share of hard benign rows NOT flagged
	maxServerFPRate  = 0.01 // share of mcp-servers.jsonl tools flagged
	// blind rounds (testdata/blind-*.jsonl): rows written by someone who
	// had not seen the rules, scanned before any rule changed for them
	// (the README gives those first figures); floors under what the
	// rules reach on them now
	floorBlindRecall    = 0.86
	floorBlindPrecision = 0.96
	// public attack templates (testdata/public-templates.jsonl): AgentDojo's
	// and InjecAgent's injections in third-party content and benign twins;
	// AgentDojo's bare "TODO: <goal>" is caught only when the goal itself
	// reads as an attack (2 of 17), the other templates all
	floorTemplateRecall    = 0.89
	floorTemplatePrecision = 0.98
)

type corpusRow struct {
	ID     string          `json:"id"`
	Label  string          `json:"label"`
	Kind   string          `json:"kind"`
	Server string          `json:"server"`
	Tool   json.RawMessage `json:"tool"`
	Output string          `json:"output"`
	Source string          `json:"source"`
	Hard   bool            `json:"hard"`
	Note   string          `json:"note"`
}

func loadRows(t testing.TB, path string) []corpusRow {
	return readJSONL[corpusRow](t, path)
}

// readJSONL reads one JSON value a line (blank lines skipped); a bad line
// fails the test with its file and line number.
func readJSONL[T any](t testing.TB, path string) []T {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	var out []T
	for n, line := range strings.Split(string(data), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var v T
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatalf("%s:%d: %v", path, n+1, err)
		}
		out = append(out, v)
	}
	return out
}

func textResult(text string) json.RawMessage {
	b, _ := json.Marshal(map[string]any{"content": []any{map[string]any{"type": "text", "text": text}}})
	return b
}

// scanRow scans a row's tool definition and, when present, its output.
func scanRow(s *Scanner, r corpusRow) []Finding {
	fs := s.Tool(r.Server, r.Tool)
	if r.Output != "" {
		var head struct {
			Name string `json:"name"`
		}
		_ = json.Unmarshal(r.Tool, &head)
		fs = append(fs, s.Result(r.Server, head.Name, textResult(r.Output))...)
	}
	return fs
}

type serverListing struct {
	Server  string            `json:"server"`
	Tools   []json.RawMessage `json:"tools"`
	Prompts []json.RawMessage `json:"prompts"`
}

func loadServers(t testing.TB) []serverListing {
	return readJSONL[serverListing](t, filepath.Join("testdata", "corpora", "mcp-servers.jsonl"))
}

type confusion struct{ tp, fp, tn, fn int }

func (c confusion) precision() float64 {
	if c.tp+c.fp == 0 {
		return 1
	}
	return float64(c.tp) / float64(c.tp+c.fp)
}

func (c confusion) recall() float64 {
	if c.tp+c.fn == 0 {
		return 1
	}
	return float64(c.tp) / float64(c.tp+c.fn)
}

func summarize(fs []Finding) string {
	var parts []string
	for _, f := range fs {
		if f.Severity >= Low {
			parts = append(parts, fmt.Sprintf("%s/%s@%s", f.Rule, f.Severity, f.Field))
		}
	}
	return strings.Join(parts, " ")
}

// TestCorpusEvaluation measures precision and recall on the development
// corpus plus testdata/extra.jsonl, and the false-positive rate on whole
// server listings. Run with -v to see the figures and every miss.
func TestCorpusEvaluation(t *testing.T) {
	s := New(Options{})
	dev := loadRows(t, filepath.Join("testdata", "corpora", "poisoning-dev.jsonl"))
	extra := loadRows(t, filepath.Join("testdata", "extra.jsonl"))
	var blind []corpusRow
	blindFiles, _ := filepath.Glob(filepath.Join("testdata", "blind-*.jsonl"))
	if len(blindFiles) == 0 {
		t.Fatal("no testdata/blind-*.jsonl")
	}
	for _, f := range blindFiles {
		blind = append(blind, loadRows(t, f)...)
	}

	ids := map[string]bool{}
	for _, r := range append(append(append(append([]corpusRow{}, dev...), extra...), blind...), loadRows(t, filepath.Join("testdata", "public-templates.jsonl"))...) {
		if ids[r.ID] || r.Source == "" || (r.Label != "malicious" && r.Label != "benign") {
			t.Errorf("row %q: duplicate id, missing source or bad label", r.ID)
		}
		ids[r.ID] = true
	}
	eval := func(name string, rows []corpusRow) (confusion, confusion) {
		var all, hard confusion
		for _, r := range rows {
			fs := scanRow(s, r)
			flagged := Max(fs) >= FlagThreshold
			mal := r.Label == "malicious"
			switch {
			case mal && flagged:
				all.tp++
			case mal && !flagged:
				all.fn++
				t.Logf("%s MISS %s (%s): %s", name, r.ID, r.Kind, summarize(fs))
			case !mal && flagged:
				all.fp++
				t.Logf("%s FALSE POSITIVE %s (%s, hard=%v): %s", name, r.ID, r.Kind, r.Hard, summarize(fs))
			default:
				all.tn++
			}
			if !mal && r.Hard {
				if flagged {
					hard.fp++
				} else {
					hard.tn++
				}
			}
		}
		return all, hard
	}
	devC, devHard := eval("dev", dev)
	extraC, extraHard := eval("extra", extra)
	both := confusion{devC.tp + extraC.tp, devC.fp + extraC.fp, devC.tn + extraC.tn, devC.fn + extraC.fn}
	hard := confusion{fp: devHard.fp + extraHard.fp, tn: devHard.tn + extraHard.tn}

	t.Logf("flagged means: a finding of severity >= %s", FlagThreshold)
	t.Logf("poisoning-dev: %d rows, precision %.3f recall %.3f (tp %d fp %d tn %d fn %d)", len(dev), devC.precision(), devC.recall(), devC.tp, devC.fp, devC.tn, devC.fn)
	t.Logf("extra.jsonl:   %d rows, precision %.3f recall %.3f (tp %d fp %d tn %d fn %d)", len(extra), extraC.precision(), extraC.recall(), extraC.tp, extraC.fp, extraC.tn, extraC.fn)
	t.Logf("dev + extra:   precision %.3f recall %.3f", both.precision(), both.recall())
	hardOK := 1.0
	if n := hard.fp + hard.tn; n > 0 {
		hardOK = float64(hard.tn) / float64(n)
	}
	t.Logf("hard benign rows: %d of %d not flagged (%.3f); dev %d/%d, extra %d/%d", hard.tn, hard.fp+hard.tn, hardOK,
		devHard.tn, devHard.tn+devHard.fp, extraHard.tn, extraHard.tn+extraHard.fp)

	// background: whole server listings
	total, flagged := 0, 0
	for _, l := range loadServers(t) {
		fs := s.Tools(l.Server, l.Tools)
		byTool := map[string]Severity{}
		for _, f := range fs {
			if f.Severity > byTool[f.Tool] {
				byTool[f.Tool] = f.Severity
			}
		}
		var names []string
		for _, d := range l.Tools {
			var h struct {
				Name string `json:"name"`
			}
			_ = json.Unmarshal(d, &h)
			names = append(names, h.Name)
		}
		sort.Strings(names)
		for _, n := range names {
			total++
			if byTool[n] >= FlagThreshold {
				flagged++
				var mine []Finding
				for _, f := range fs {
					if f.Tool == n {
						mine = append(mine, f)
					}
				}
				t.Logf("mcp-servers FLAGGED %s/%s: %s", l.Server, n, summarize(mine))
			}
		}
		for _, p := range l.Prompts {
			if fs := s.Prompt(l.Server, p); Max(fs) >= FlagThreshold {
				t.Errorf("prompt of %s flagged: %s", l.Server, summarize(fs))
			}
		}
	}
	fpRate := float64(flagged) / float64(total)
	t.Logf("mcp-servers.jsonl: %d of %d tools flagged (%.3f)", flagged, total, fpRate)

	if p := both.precision(); p < floorPrecision {
		t.Errorf("precision %.3f below floor %.3f", p, floorPrecision)
	}
	if r := devC.recall(); r < floorRecall {
		t.Errorf("dev recall %.3f below floor %.3f", r, floorRecall)
	}
	if r := extraC.recall(); r < floorExtraRecall {
		t.Errorf("extra recall %.3f below floor %.3f", r, floorExtraRecall)
	}
	if hardOK < floorHardBenign {
		t.Errorf("hard benign pass rate %.3f below floor %.3f", hardOK, floorHardBenign)
	}
	if fpRate > maxServerFPRate {
		t.Errorf("server false-positive rate %.3f above %.3f", fpRate, maxServerFPRate)
	}

	// held-out sets: figures and floors
	floors := func(name string, rows []corpusRow, recall, precision float64) {
		c, _ := eval(name, rows)
		t.Logf("%s: %d rows, precision %.3f recall %.3f (tp %d fp %d tn %d fn %d)", name, len(rows), c.precision(), c.recall(), c.tp, c.fp, c.tn, c.fn)
		if r := c.recall(); r < recall {
			t.Errorf("%s recall %.3f below floor %.3f", name, r, recall)
		}
		if p := c.precision(); p < precision {
			t.Errorf("%s precision %.3f below floor %.3f", name, p, precision)
		}
	}
	floors("public templates", loadRows(t, filepath.Join("testdata", "public-templates.jsonl")), floorTemplateRecall, floorTemplatePrecision)
	floors("blind rounds", blind, floorBlindRecall, floorBlindPrecision)
	// non-English injections aimed at the reading agent: the probe the
	// phrase sets were widened on, a held-out set rules were later drawn
	// from in part, and a second held-out set written after those rules
	// (the scanner's weakest part, kept at what it reaches)
	floors("multilingual probe", loadRows(t, filepath.Join("testdata", "multilingual-dev.jsonl")), 0.94, 0.98)
	floors("multilingual held out", loadRows(t, filepath.Join("testdata", "multilingual-heldout.jsonl")), 0.82, 0.97)
	floors("multilingual held out 2", loadRows(t, filepath.Join("testdata", "multilingual-heldout2.jsonl")), 0.46, 0.96)
	floors("multilingual held out 3", loadRows(t, filepath.Join("testdata", "multilingual-heldout3.jsonl")), 0.50, 0.96)
	floors("multilingual held out 4", loadRows(t, filepath.Join("testdata", "multilingual-heldout4.jsonl")), 0.60, 0.94)
	floors("multilingual held out 5", loadRows(t, filepath.Join("testdata", "multilingual-heldout5.jsonl")), 0.17, 0.88)
}

// TestBackground scans more real tool listings and real tool results
// (testdata/background.jsonl, gathered from public repositories): a second
// false-positive background next to mcp-servers.jsonl.
func TestBackground(t *testing.T) {
	s := New(Options{})
	tools, toolsFlagged, results, resultsFlagged := 0, 0, 0, 0
	for _, l := range backgroundRows(t) {
		if l.Result != nil {
			results++
			if fs := s.Result(l.Server, l.Tool, l.Result); Max(fs) >= FlagThreshold {
				resultsFlagged++
				t.Logf("background result FLAGGED %s/%s: %s", l.Server, l.Tool, summarize(fs))
			}
			continue
		}
		fs := s.Tools(l.Server, l.Tools)
		by := map[string]Severity{}
		for _, f := range fs {
			by[f.Tool] = maxSev(by[f.Tool], f.Severity)
		}
		for _, d := range l.Tools {
			var h struct {
				Name string `json:"name"`
			}
			_ = json.Unmarshal(d, &h)
			tools++
			if by[h.Name] >= FlagThreshold {
				toolsFlagged++
				var mine []Finding
				for _, f := range fs {
					if f.Tool == h.Name {
						mine = append(mine, f)
					}
				}
				t.Logf("background tool FLAGGED %s/%s: %s", l.Server, h.Name, summarize(mine))
			}
		}
	}
	t.Logf("background: %d of %d tools flagged, %d of %d results flagged", toolsFlagged, tools, resultsFlagged, results)
	if toolsFlagged*50 > tools || resultsFlagged*50 > results {
		t.Errorf("background false positives above 2%%")
	}
}

// backgroundRow is one line of testdata/background.jsonl: a server's tool
// listing or one tool result.
type backgroundRow struct {
	Server string            `json:"server"`
	Tool   string            `json:"tool"`
	Tools  []json.RawMessage `json:"tools"`
	Result json.RawMessage   `json:"result"`
}

// backgroundRows reads testdata/background.jsonl (blank lines skipped).
func backgroundRows(t testing.TB) []backgroundRow {
	return readJSONL[backgroundRow](t, filepath.Join("testdata", "background.jsonl"))
}
