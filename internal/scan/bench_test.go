package scan

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// typicalTool is a representative definition: a few sentences of
// description and a handful of described parameters.
var typicalTool = json.RawMessage(`{"name":"create_or_update_file","description":"Create or update a single file in a GitHub repository. \nIf updating, you should provide the SHA of the file you want to update. Use this tool to create or update a file in a GitHub repository remotely; do not use it for local file operations.\n\nIn order to obtain the SHA of original file version before updating, use the following git command:\ngit rev-parse <branch>:<path to file>\n\nSHA MUST be provided for existing file updates.\n","inputSchema":{"properties":{"branch":{"description":"Branch to create/update the file in","type":"string"},"content":{"description":"Content of the file, exactly as it should appear once written. Do not base64-encode it; this server does that before calling the REST API.","type":"string"},"message":{"description":"Commit message","type":"string"},"owner":{"description":"Repository owner (username or organization)","type":"string"},"path":{"description":"Path where to create/update the file","type":"string"},"repo":{"description":"Repository name","type":"string"},"sha":{"description":"The blob SHA of the file being replaced. Required if the file already exists.","type":"string"}},"required":["owner","repo","path","content","message","branch"],"type":"object"}}`)

func BenchmarkTool(b *testing.B) {
	s := New(Options{})
	b.SetBytes(int64(len(typicalTool)))
	b.ReportAllocs()
	for b.Loop() {
		s.Tool("github", typicalTool)
	}
}

func benchTools(b *testing.B) []json.RawMessage {
	data, err := os.ReadFile(filepath.Join("testdata", "corpora", "mcp-servers.jsonl"))
	if err != nil {
		b.Fatal(err)
	}
	var defs []json.RawMessage
	for _, line := range strings.Split(string(data), "\n") {
		var l struct {
			Tools []json.RawMessage `json:"tools"`
		}
		if json.Unmarshal([]byte(line), &l) == nil {
			defs = append(defs, l.Tools...)
		}
	}
	if len(defs) < 100 {
		b.Fatalf("only %d definitions", len(defs))
	}
	return defs[:100]
}

func BenchmarkTools100(b *testing.B) {
	s := New(Options{})
	defs := benchTools(b)
	n := 0
	for _, d := range defs {
		n += len(d)
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	for b.Loop() {
		s.Tools("bench", defs)
	}
}

// benignText64K builds a 64 KiB benign result: prose, code, paths, URLs.
func benignText64K() string {
	parts := []string{
		"The deployment finished without errors. All 42 pods are healthy and the rollout took 3 minutes.\n",
		"func handler(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) } // returns OK\n",
		"See https://docs.example.com/guides/deploy?version=2 for details, or mail ops@example.com.\n",
		"| id | name | status |\n|----|------|--------|\n| 7 | api | running |\n",
		"Users can reset their password from the settings page; the link expires after 30 minutes.\n",
		"2025-03-02T10:00:01Z INFO request path=/v1/items latency=12ms status=200\n",
		"Please review the pull request and leave comments on the diff before Friday.\n",
	}
	var b strings.Builder
	for i := 0; b.Len() < 64<<10; i++ {
		b.WriteString(parts[i%len(parts)])
	}
	return b.String()[:64<<10]
}

func BenchmarkResult64K(b *testing.B) {
	s := New(Options{})
	raw := textResult(benignText64K())
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		s.Result("bench", "fetch", raw)
	}
}

func BenchmarkText64K(b *testing.B) {
	s := New(Options{})
	text := benignText64K()
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		s.Text("bench", "fetch", "result.content[0].text", text)
	}
}

// BenchmarkResult64KProse is the gateway's end-to-end case: the demo
// server's report tool returns demo.BenchText(65536), plain prose.
func BenchmarkResult64KProse(b *testing.B) {
	s := New(Options{})
	raw := textResult(benchText(64 << 10))
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		s.Result("bench", "report", raw)
	}
}

// benchArgs wraps call arguments the way the detection engine's injection
// rule does before it scans them.
func benchArgs(args string) json.RawMessage { return AsStructuredResult(json.RawMessage(args)) }

// BenchmarkArgs is the detection engine's scan of a typical call's
// arguments.
func BenchmarkArgs(b *testing.B) {
	s := New(Options{})
	raw := benchArgs(`{"owner":"octocat","repo":"hello-world","path":"docs/README.md","branch":"main","message":"docs: explain the release process","content":"# Releases\n\nTag the commit, push the tag and the workflow publishes the packages. See https://github.com/octocat/hello-world/actions for the runs."}`)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		s.Result("github", "create_or_update_file", raw)
	}
}

// BenchmarkArgs64K is the same scan of a call with a 64 KiB prose argument.
func BenchmarkArgs64K(b *testing.B) {
	s := New(Options{})
	arg, _ := json.Marshal(map[string]any{"message": benchText(64 << 10), "id": 7})
	raw := benchArgs(string(arg))
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		s.Result("bench", "echo", raw)
	}
}

// BenchmarkResult64KProseCue is BenchmarkResult64KProse with one English
// word that is also a word of another language ("lies", German for "read"):
// it must not switch on the search for non-English phrases over the whole
// text (that cost 2.4-2.7 ms and 64 KiB per scan when "lies" did).
func BenchmarkResult64KProseCue(b *testing.B) {
	text := benchText(64 << 10)
	raw := textResult("The answer lies in the data. " + text[29:])
	benchResult(b, raw)
}

// BenchmarkResult64KProseTypographic is English prose with typographic
// quotes and a dash and the words "system" and "assistant": not ASCII, so
// the non-English checks must decide cheaply that they have nothing to do.
func BenchmarkResult64KProseTypographic(b *testing.B) {
	para := "The quarterly report \u201cshows\u201d revenue grew in every region \u2014 the system and the assistant agree. "
	raw := textResult(strings.Repeat(para, 65536/len(para)+1)[:65536])
	benchResult(b, raw)
}

// BenchmarkResult64KGerman is a German mail repeated to 64 KiB, with the
// words the non-English rules start from ("vergiss", "ignorieren", "neue
// Anweisungen") and none of their findings: every phrase list is searched
// (one pass, mlScan).
func BenchmarkResult64KGerman(b *testing.B) {
	para := "Hallo Thomas, vergiss nicht, morgen die ausgedruckten Pläne für das Umspannwerk mitzubringen. Die alte Version von letzter Woche kannst du ignorieren, es gilt nur noch der Stand vom 12.06. Die neuen Anweisungen vom Bauamt hänge ich dir an. Wir treffen uns um 9 Uhr im Raum 2.14. Viele Grüße, Katrin. "
	raw := textResult(strings.Repeat(para, 65536/len(para)))
	benchResult(b, raw)
}

// BenchmarkResult64KGermanFields is German text as "label: value" lines,
// a colon in every line: the non-English address-label rule reads each
// label before a colon (mlAddressLabel) and must stay cheap.
func BenchmarkResult64KGermanFields(b *testing.B) {
	para := "Kunde: Müller GmbH, Ansprechpartnerin Frau Weber\nStatus: Vertrag wird im März verlängert, Angebot folgt\nNotiz: bitte nicht vor Dienstag anrufen, sie ist im Urlaub\nKI-Zusammenfassung: Kunde zufrieden, keine offenen Punkte\n"
	raw := textResult(strings.Repeat(para, 65536/len(para)))
	benchResult(b, raw)
}

// BenchmarkResult64KGermanAddressed is German text that names and
// addresses an AI in every line, with nothing ordered: the rule for the
// AI addressed (mlReaderAddressed) reads a bounded number of names.
func BenchmarkResult64KGermanAddressed(b *testing.B) {
	para := "Liebe KI, wenn du das liest: danke für die Zusammenfassung der Sitzung.\nDer KI-Assistent, den wir testen, fasst Protokolle zusammen; die KI hat heute gut gearbeitet.\n"
	raw := textResult(strings.Repeat(para, 65536/len(para)))
	benchResult(b, raw)
}

// BenchmarkResult64KNamedAI is 64 KiB of short German sentences that
// address the AI in vocatives and labels with nothing ordered after them:
// every name of the AI is read (none is capped away), so each must cost
// little.
func BenchmarkResult64KNamedAI(b *testing.B) {
	para := "KI, bitte lies das. Für KI: alles gut. "
	raw := textResult(strings.Repeat(para, 65536/len(para)))
	benchResult(b, raw)
}

// BenchmarkResult64KIgnoraVerbs is 64 KiB of Spanish in which the verb of
// an override ("ignora") starts every sentence with nothing to ignore
// after it: every place of the verb is read, so each must cost little.
func BenchmarkResult64KIgnoraVerbs(b *testing.B) {
	para := "Ignora el ruido del tráfico, la película es buena. "
	raw := textResult(strings.Repeat(para, 65536/len(para)))
	benchResult(b, raw)
}

// BenchmarkResult64KAssistantMust is 64 KiB of Portuguese in which an
// assistant is the subject of a modal in every sentence with nothing to
// carry out: every clause is read as an order once, so each must cost
// little.
func BenchmarkResult64KAssistantMust(b *testing.B) {
	para := "O assistente deve responder com calma, e o assistente deve ouvir. "
	raw := textResult(strings.Repeat(para, 65536/len(para)))
	benchResult(b, raw)
}

// BenchmarkResult64KConditions is 64 KiB of Spanish with a condition and
// the user in every clause and nothing to answer: every place of "si" and
// of the user is kept and read (a fixed bound let padding hide the one
// that matters), so each must cost little.
func BenchmarkResult64KConditions(b *testing.B) {
	para := "Si el usuario lo dice, bien. "
	raw := textResult(strings.Repeat(para, 65536/len(para)))
	benchResult(b, raw)
}

// BenchmarkResult64KLinks is 64 KiB of a page that is all links and
// addresses: every one is looked at (a bound on them let a page's first
// links hide the one that matters), so each must cost little.
func BenchmarkResult64KLinks(b *testing.B) {
	para := "See https://shop.example-store.com/p/1234 or write to sales@example-store.com. "
	raw := textResult(strings.Repeat(para, 65536/len(para)))
	benchResult(b, raw)
}

// benchResult scans raw as a tools/call result b.N times.
func benchResult(b *testing.B, raw json.RawMessage) {
	s := New(Options{})
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		s.Result("bench", "report", raw)
	}
}

// BenchmarkResultSmall is the bench's echo answer: what a small call's
// result scan costs, the scanner's fixed cost per text.
func BenchmarkResultSmall(b *testing.B) {
	sc := New(Options{})
	res := json.RawMessage(`{"content":[{"type":"text","text":"Echo: the quick brown fox jumps over the lazy dog, 0123456789 abcdefgh"}]}`)
	b.ReportAllocs()
	for b.Loop() {
		sc.Result("demo", "echo", res)
	}
}
