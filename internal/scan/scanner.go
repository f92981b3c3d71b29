package scan

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Options configure a Scanner. The zero value is a sensible default.
type Options struct {
	// MaxDescription is the overlong-description threshold in bytes
	// (server instructions get four times as much); 0 means 3000.
	MaxDescription int
	// Classifier is an optional second opinion; nil (the default) is off.
	Classifier Classifier
	// NoLearned turns the learned rule (RuleLearned, model.go) off.
	NoLearned bool
	// MaxBytes bounds the text read in one input (a tool result, a
	// definition, a prompt, one text); 0 means DefaultMaxBytes. The scan's
	// cost is linear in the text, but some texts cost a hundred times what
	// prose does (measured: 64 KiB of e-mail addresses 25 ms, 4 MiB 1.7
	// s), so a result near the 16 MiB message bound could hold the CPU
	// for seconds. What lies beyond the bound is not read: the input gets
	// a high finding (RuleUnparsable, "part of it was not scanned"), so
	// block withholds it and annotate flags it; it never counts as clean.
	MaxBytes int
}

// DefaultMaxBytes is the text read in one input when Options.MaxBytes is 0.
const DefaultMaxBytes = 1 << 20

// DefaultMaxDescription is the overlong threshold used when
// Options.MaxDescription is 0.
const DefaultMaxDescription = 3000

// Scanner holds the compiled rules. It is safe for concurrent use.
type Scanner struct {
	opts Options
	lx   *lexicon
	pool sync.Pool
}

var (
	lexOnce sync.Once
	lexVal  *lexicon
)

func compiled() *lexicon {
	lexOnce.Do(func() { lexVal = buildLexicon() })
	return lexVal
}

// New returns a Scanner. The rules are compiled once per process.
func New(opts Options) *Scanner {
	if opts.MaxDescription <= 0 {
		opts.MaxDescription = DefaultMaxDescription
	}
	s := &Scanner{opts: opts, lx: compiled()}
	s.pool.New = func() any { return &analysis{} }
	return s
}

// analyze runs every rule over one text. It never panics: a panic in a
// rule becomes an info finding.
func (s *Scanner) analyze(text string, ctx *tctx) (hits []hit) {
	if ctx.maxDesc <= 0 {
		ctx.maxDesc = s.opts.MaxDescription
	}
	a := s.getAnalysis(len(text))
	defer func() {
		if r := recover(); r != nil {
			hits = append(hits[:0:0], hit{rule: RuleUnparsable, sev: High, msg: fmt.Sprintf("%s: %v", internalError, r)})
		}
		a.t, a.ctx, a.hits = nil, nil, a.hits[:0]
		a.sinks, a.sens = a.sinks[:0], a.sens[:0]
		s.putAnalysis(a)
	}()
	ms := a.ms
	if len(ms) != len(groupNames) {
		ms = make([][]pmatch, len(groupNames))
	}
	for k := range ms {
		ms[k] = ms[k][:0]
	}
	*a = analysis{lx: s.lx, sc: s, toks: a.toks[:0], sents: a.sents[:0], hits: a.hits[:0], sinks: a.sinks[:0], sens: a.sens[:0], lowBuf: a.lowBuf, dirty: a.dirty, ms: ms}
	prepareInto(&a.nt, text, a.lowBuf)
	a.t = &a.nt
	if a.t.ascii && cap(a.t.low) > cap(a.lowBuf) && cap(a.t.low) <= 1<<20 {
		a.lowBuf = a.t.low[:0]
	}
	a.ctx = ctx
	a.run()
	if len(a.hits) == 0 {
		return nil
	}
	out := make([]hit, len(a.hits))
	copy(out, a.hits)
	return out
}

func toFindings(server, tool, field, text string, hits []hit) []Finding {
	fs := make([]Finding, 0, len(hits))
	for _, h := range hits {
		s, e := h.s, h.e
		if s < 0 {
			s = 0
		}
		if e > len(text) {
			e = len(text)
		}
		if s > e {
			s = e
		}
		fs = append(fs, Finding{Server: server, Tool: tool, Rule: h.rule, Severity: h.sev, Field: field,
			Excerpt: excerpt(text, s, e), Start: s, End: e, Message: h.msg})
	}
	return fs
}

// Text scans one text. field says where it came from and decides which
// rules apply: "name", "description", "inputSchema.properties.x.description",
// "inputSchema.properties.x.default", "instructions", "result.content[0].text"...
// It is the primitive the other methods use.
func (s *Scanner) Text(server, tool, field, text string) []Finding {
	return s.TextIn(s.NewBudget(), server, tool, field, text)
}

// A Budget is the text still read in one input that its caller scans text
// by text (Options.MaxBytes in all; see TextIn).
type Budget struct{ left int }

// NewBudget returns the budget of one input.
func (s *Scanner) NewBudget() *Budget {
	if s.opts.MaxBytes > 0 {
		return &Budget{left: s.opts.MaxBytes}
	}
	return &Budget{left: DefaultMaxBytes}
}

// TextIn is Text for one of the texts of an input that shares budget b:
// what lies beyond the budget is not read, and is reported by a high
// finding whose span is the part not read (so a redaction of the
// findings' spans takes it out).
func (s *Scanner) TextIn(b *Budget, server, tool, field, text string) []Finding {
	return safe(server, tool, field, func() []Finding { return s.text(b, server, tool, field, text) })
}

func (s *Scanner) text(b *Budget, server, tool, field, text string) []Finding {
	c := s.newCollector(server, tool, 1)
	c.left = b.left
	read, ok := c.take(text)
	b.left = c.left
	if ok {
		ctx := &tctx{kind: kindOf(field), self: strings.ToLower(tool), selfConv: aboutConversation(tool, "")}
		c.fs = toFindings(server, tool, field, read, s.analyze(read, ctx))
		c.fs = append(c.fs, s.classify(server, tool, field, read, len(read))...)
	}
	if c.skipped != "" {
		c.fs = append(c.fs, Finding{Server: server, Tool: tool, Rule: RuleUnparsable, Severity: High, Field: field,
			Excerpt: excerpt(text, len(read), min(len(read)+80, len(text))), Start: len(read), End: len(text),
			Message: "part of it was not scanned (" + c.skipped + "): it counts as unchecked"})
	}
	return finish(c.fs)
}

// newCollector starts reading one input of at most budget strings and the
// scanner's MaxBytes of text.
func (s *Scanner) newCollector(server, tool string, budget int) *collector {
	left := s.opts.MaxBytes
	if left <= 0 {
		left = DefaultMaxBytes
	}
	return &collector{s: s, server: server, tool: tool, budget: budget, left: left, ctx: tctx{self: strings.ToLower(tool), maxDesc: s.opts.MaxDescription}}
}

// Instructions scans a server's instructions (from its initialize result).
func (s *Scanner) Instructions(server, text string) []Finding {
	return s.Text(server, "", "instructions", text)
}

// internalError opens the message of a finding that reports a panic in
// the scanner (a bug, never expected). The text was not checked, so the
// finding is high: block mode withholds such a result and annotate mode
// flags it (fail closed), and the gateway does not crash.
const internalError = "internal error while scanning (the text was not checked)"

// safe runs a scan and turns a panic into a high finding (internalError).
func safe(server, tool, field string, f func() []Finding) (fs []Finding) {
	defer func() {
		if r := recover(); r != nil {
			fs = []Finding{{Server: server, Tool: tool, Rule: RuleUnparsable, Severity: High, Field: field,
				Message: clip(fmt.Sprintf("%s: %v", internalError, r), 300)}}
		}
	}()
	return f()
}

func unparsable(server, tool, field, what string, err error) []Finding {
	msg := what + " is not a JSON object"
	if err != nil {
		msg = fmt.Sprintf("%s could not be parsed: %v", what, err)
	}
	return []Finding{{Server: server, Tool: tool, Rule: RuleUnparsable, Severity: Info, Field: field, Message: clip(msg, 300)}}
}

// decodeObject parses raw as a JSON object.
func decodeObject(raw json.RawMessage) (*jval, error) {
	v, err := parseJSON(raw)
	return objectOf(v, err)
}

// decodeObjectShared is decodeObject with parseJSONShared.
func decodeObjectShared(raw json.RawMessage) (*jval, error) {
	v, err := parseJSONShared(raw)
	return objectOf(v, err)
}

func objectOf(v jval, err error) (*jval, error) {
	if err != nil {
		return nil, err
	}
	if v.kind != jObject {
		return nil, fmt.Errorf("not a JSON object")
	}
	return &v, nil
}

// Tool scans one tool definition (an element of a tools/list result).
func (s *Scanner) Tool(server string, def json.RawMessage) []Finding {
	return safe(server, "", "", func() []Finding { return finish(s.tool(server, def, nil, true)) })
}

// Tools scans the tools of one server's listing: each tool, plus checks
// across the list (confusable names, directives that name sibling tools).
func (s *Scanner) Tools(server string, defs []json.RawMessage) []Finding {
	return safe(server, "", "", func() []Finding { return s.tools(server, defs) })
}

func (s *Scanner) tools(server string, defs []json.RawMessage) []Finding {
	siblings := map[string]bool{}
	names := make([]string, len(defs))
	parsed := make([]*jval, len(defs))
	var fs []Finding
	for i, d := range defs {
		m, err := decodeObject(d)
		if err != nil {
			fs = append(fs, unparsable(server, "", fmt.Sprintf("tools[%d]", i), "tool definition", err)...)
			continue
		}
		parsed[i] = m
		if n, ok := m.strOf("name"); ok && n != "" {
			names[i] = n
			siblings[strings.ToLower(n)] = true
		}
	}
	for _, m := range parsed {
		if m != nil {
			fs = append(fs, s.toolParsed(server, m, siblings, true)...)
		}
	}
	fs = append(fs, nameClashes(server, names)...)
	return finish(fs)
}

func simpleFold(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r == '-' || r == '_' || r == '.' || r == ' ' {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// nameClashes compares every pair of names in a listing.
func nameClashes(server string, names []string) []Finding {
	type nm struct{ name, skel, lskel, fold string }
	var list []nm
	for _, n := range names {
		if n != "" {
			list = append(list, nm{n, Skeleton(n), Skeleton(strings.ToLower(n)), simpleFold(n)})
		}
	}
	var fs []Finding
	report := func(a, b string, sev Severity, what string) {
		for _, p := range [][2]string{{a, b}, {b, a}} {
			fs = append(fs, Finding{Server: server, Tool: p[0], Rule: RuleConfusableNames, Severity: sev, Field: "name",
				Excerpt: excerpt(p[0], 0, len(p[0])), Start: 0, End: len(p[0]),
				Message: fmt.Sprintf("%s: %q and %q", what, p[0], p[1])})
		}
	}
	for i := 0; i < len(list); i++ {
		for j := i + 1; j < len(list); j++ {
			a, b := list[i], list[j]
			switch {
			case a.name == b.name:
				report(a.name, b.name, High, "duplicate tool name in one listing")
			case a.fold == b.fold:
				report(a.name, b.name, Medium, "names differ only in case or separators")
			case a.skel == b.skel && a.skel != "" || a.lskel == b.lskel && a.lskel != "":
				report(a.name, b.name, High, "names are confusable (look-alike characters)")
			case len(a.skel) >= 5 && len(b.skel) >= 5 && (len(a.skel)-len(b.skel))*(len(a.skel)-len(b.skel)) <= 1 && editDistanceAtMost1(a.skel, b.skel):
				report(a.name, b.name, Low, "names are one character apart")
			}
		}
	}
	return fs
}

type collector struct {
	s      *Scanner
	server string
	tool   string
	ctx    tctx
	fs     []Finding
	nl     strings.Builder // natural-language text for the classifier
	def    bool            // a definition's (nl is then kept for the learned rule)
	budget int
	left   int // bytes of text still read (Options.MaxBytes)
	// skipped says why part of the input was not scanned (too many
	// strings, nested too deep, a blob too large): the input then counts
	// as unchecked (unscanned), never as clean
	skipped string
}

// unscanned is the finding for input the collector left unscanned, if any.
func (c *collector) unscanned(field string) []Finding {
	if c.skipped == "" {
		return nil
	}
	return []Finding{{Server: c.server, Tool: c.tool, Rule: RuleUnparsable, Severity: High, Field: field,
		Message: "part of it was not scanned (" + c.skipped + "): it counts as unchecked"}}
}

// within reports whether a value at depth is still scanned (what names it
// in the reason if not): nested at most 64 deep, with strings left in the
// budget.
func (c *collector) within(depth int, what string) bool {
	switch {
	case depth > 64:
		c.skip(what + " nested deeper than 64")
		return false
	case c.budget <= 0:
		c.skip("more strings than are scanned in one input")
		return false
	}
	return true
}

func (c *collector) skip(why string) {
	if c.skipped == "" {
		c.skipped = why
	}
}

// take returns the part of text within the input's byte budget (cut at a
// character's start) and whether there is any; what it leaves out marks
// the input as not wholly scanned.
func (c *collector) take(text string) (string, bool) {
	if len(text) > c.left {
		cut := max(c.left, 0)
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		bound := c.s.opts.MaxBytes
		if bound <= 0 {
			bound = DefaultMaxBytes
		}
		c.skip(fmt.Sprintf("text beyond the first %d bytes of the input, the scanner's bound (scan.max_bytes)", bound))
		text = text[:cut]
	}
	c.left -= len(text)
	return text, text != ""
}

func (c *collector) text(field, text string, kind fieldKind) {
	if text == "" {
		return
	}
	text, ok := c.take(text)
	if !ok {
		return
	}
	ctx := c.ctx
	ctx.kind = kind
	ctx.prop = kind == kindName && strings.Contains(field, "properties.")
	fs := toFindings(c.server, c.tool, field, text, c.s.analyze(text, &ctx))
	if ctx.selfDetector && kind == kindValue && (strings.Contains(field, ".examples") || strings.Contains(field, ".enum[")) {
		// a sample input of a tool that detects prompt injection
		// ("examples": ["Ignore all previous instructions ..."]) is
		// what it is there to catch, and the values of its enums name
		// what it detects ("categories": {"enum": [..., "exfiltration"]})
		for i := range fs {
			if fs[i].Severity > Low && instructionRules[fs[i].Rule] {
				fs[i].Severity = Low
				fs[i].Message += " (an example input of a tool that detects prompt injection; lowered)"
			}
		}
	}
	if ctx.selfDetector && kind == kindDescription {
		// a tool that detects injection lists what it looks for ("for
		// injection patterns such as 'before using send_email, first
		// call ...', hidden <IMPORTANT> blocks, requests to read ~/.ssh"):
		// a sentence that gives examples names them, it orders nothing
		for i := range fs {
			if fs[i].Severity > Low && (instructionRules[fs[i].Rule] || fs[i].Rule == RuleDirectiveTag) && examplesSentence(text, fs[i].Start) {
				fs[i].Severity = Low
				fs[i].Message += " (an example listed by a tool that detects prompt injection; lowered)"
			}
		}
	}
	if kind == kindResult && !c.s.opts.NoLearned && (modelTap != nil || Max(fs) < Medium) {
		// the learned rule, for what the rules found nothing in
		fs = append(fs, learned(c.server, c.tool, field, text, false)...)
	}
	c.fs = append(c.fs, fs...)
	if (c.s.opts.Classifier != nil || c.def && !c.s.opts.NoLearned) && kind != kindName && c.nl.Len() < 64<<10 {
		c.nl.WriteString(text)
		c.nl.WriteByte('\n')
	}
}

// examplesSentence reports that the sentence of text around offset at
// introduces examples ("such as", "e.g.", "for example", "patterns like").
func examplesSentence(text string, at int) bool {
	at = min(max(at, 0), len(text))
	st := strings.LastIndex(text[:at], ". ") + 1
	if nl := strings.LastIndexByte(text[:at], '\n'); nl+1 > st {
		st = nl + 1
	}
	en := len(text)
	if i := strings.Index(text[at:], ". "); i >= 0 {
		en = at + i
	}
	if i := strings.IndexByte(text[at:], '\n'); i >= 0 && at+i < en {
		en = at + i
	}
	seg := strings.ToLower(text[st:en])
	return containsAnyStr(seg, []string{"such as", "e.g.", "for example", "for instance", "patterns like", "like '", "like \""})
}

// strings walks any JSON value and scans its string leaves.
func (c *collector) strings(field string, v *jval, kind fieldKind, depth int) {
	if v == nil || !c.within(depth, "values") {
		return
	}
	switch v.kind {
	case jString:
		c.budget--
		c.text(field, v.str, kind)
	case jArray:
		for i := range v.vals {
			c.strings(field+"["+strconv.Itoa(i)+"]", &v.vals[i], kind, depth+1)
		}
	case jObject:
		for i, k := range v.keys {
			if kind == kindResult && len(k) >= 6 && strings.IndexByte(k, '_') >= 0 {
				// keys such as "_ai_instruction" speak to the model too
				c.text(field+"."+k+"#key", k, kindResult)
			}
			c.strings(field+"."+k, &v.vals[i], kind, depth+1)
		}
	}
}

// schema walks a JSON Schema.
func (c *collector) schema(path string, v *jval, depth int) {
	if v == nil || v.kind != jObject || !c.within(depth, "a schema") {
		return
	}
	for i, k := range v.keys {
		val := &v.vals[i]
		p := path + "." + k
		switch k {
		case "properties", "patternProperties", "$defs", "definitions", "dependentSchemas":
			if val.kind != jObject {
				continue
			}
			for j, name := range val.keys {
				if k == "properties" {
					c.text(p+"."+name, name, kindName)
				}
				c.schema(p+"."+name, &val.vals[j], depth+1)
			}
		case "items", "additionalProperties", "not", "if", "then", "else", "contains", "propertyNames", "unevaluatedProperties", "additionalItems", "unevaluatedItems":
			switch val.kind {
			case jObject:
				c.schema(p, val, depth+1)
			case jArray:
				for j := range val.vals {
					c.schema(p+"["+strconv.Itoa(j)+"]", &val.vals[j], depth+1)
				}
			}
		case "oneOf", "anyOf", "allOf", "prefixItems":
			if val.kind == jArray {
				for j := range val.vals {
					c.schema(p+"["+strconv.Itoa(j)+"]", &val.vals[j], depth+1)
				}
			}
		case "description", "$comment":
			if val.kind == jString {
				c.text(p, val.str, kindParam)
			}
		case "title", "default", "const", "example", "examples", "enum":
			// the default or example of a parameter that holds a file's
			// path is a path, not an instruction to read the file
			c.ctx.pathValue = k != "title" && pathParam(path) && (k != "enum" || !secretKeyChoice(val))
			c.strings(p, val, kindValue, depth+1)
			c.ctx.pathValue = false
		default:
			if strings.HasPrefix(k, "x-") {
				c.strings(p, val, kindParam, depth+1)
			}
		}
	}
}

// pathParam reports whether the schema at path (".properties.NAME") is a
// parameter named for a file's path: identity_file, env_file, keyPath,
// path, config_dir...
// secretKeyChoice reports an enum that offers a private key or a
// credentials file (`["~/.ssh/id_rsa", ...]`): a config file offered
// (`["~/.ssh/config", "/etc/ssh/sshd_config"]`, `[".env", ".env.local"]`)
// is a path to choose, a key is what an attacker wants read.
func secretKeyChoice(v *jval) bool {
	if v == nil || v.kind != jArray {
		return false
	}
	for i := range v.vals {
		if x := &v.vals[i]; x.kind == jString {
			lo := strings.ToLower(x.str)
			for _, k := range []string{"id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", ".pem", ".key", "credentials", ".npmrc", ".pypirc", ".netrc", ".pgpass", "shadow", "wallet", "keychain", "cookies", "login data", "logins.json", "key4.db"} {
				if strings.Contains(lo, k) {
					return true
				}
			}
		}
	}
	return false
}

func pathParam(path string) bool {
	i := strings.LastIndex(path, ".properties.")
	if i < 0 {
		return false
	}
	name := path[i+len(".properties."):]
	for _, w := range splitIdent(strings.ToLower(splitCamel(name))) {
		switch w {
		case "path", "paths", "file", "files", "filename", "filepath", "dir", "directory", "folder", "identity", "keyfile", "location", "cert", "certfile", "kubeconfig", "glob", "globs",
			// in other languages ("ruta", "chemin", "pfad")
			"ruta", "archivo", "fichero", "carpeta", "directorio", "caminho", "arquivo", "pasta", "diretorio", "chemin", "fichier", "dossier", "repertoire", "pfad", "datei", "ordner", "verzeichnis", "percorso", "cartella", "sciezka", "plik", "pad", "bestand", "map":
			return true
		}
	}
	return false
}

// collectParams collects property names and enum strings of a schema,
// lower case.
func collectParams(v *jval, into map[string]bool, depth int) {
	if v == nil || depth > 64 {
		return
	}
	switch v.kind {
	case jObject:
		for i, k := range v.keys {
			val := &v.vals[i]
			switch k {
			case "properties", "patternProperties", "$defs", "definitions":
				if val.kind == jObject {
					for j, name := range val.keys {
						into[strings.ToLower(name)] = true
						collectParams(&val.vals[j], into, depth+1)
					}
				}
			case "enum":
				for j := range val.vals {
					if e := &val.vals[j]; e.kind == jString && len(e.str) < 64 {
						into[strings.ToLower(e.str)] = true
					}
				}
			default:
				collectParams(val, into, depth+1)
			}
		}
	case jArray:
		for i := range v.vals {
			collectParams(&v.vals[i], into, depth+1)
		}
	}
}

func (s *Scanner) tool(server string, def json.RawMessage, siblings map[string]bool, classify bool) []Finding {
	m, err := decodeObject(def)
	if err != nil {
		return unparsable(server, "", "", "tool definition", err)
	}
	return s.toolParsed(server, m, siblings, classify)
}

func (s *Scanner) toolParsed(server string, m *jval, siblings map[string]bool, classify bool) []Finding {
	name, hasName := m.strOf("name")
	params := map[string]bool{}
	collectParams(m.get("inputSchema"), params, 0)
	collectParams(m.get("outputSchema"), params, 0)
	desc0, _ := m.strOf("description")
	c := s.newCollector(server, name, 10000)
	c.def = true
	c.ctx = tctx{self: strings.ToLower(name), params: params, siblings: siblings, maxDesc: s.opts.MaxDescription, selfConv: aboutConversation(name, desc0), selfDetector: aboutInjectionDetection(name, desc0)}
	if !hasName {
		c.fs = append(c.fs, Finding{Server: server, Rule: RuleUnparsable, Severity: Info, Field: "name", Message: "tool definition has no string name"})
	}
	c.text("name", name, kindName)
	for i, k := range m.keys {
		v := &m.vals[i]
		switch k {
		case "title", "description":
			c.strings(k, v, kindDescription, 0)
		case "inputSchema", "outputSchema":
			c.schema(k, v, 0)
		case "annotations", "_meta", "meta":
			c.strings(k, v, kindParam, 0)
		}
	}
	c.fs = append(c.fs, suspiciousParams(server, name, m)...)
	c.fs = append(c.fs, annotationMismatch(server, name, m)...)
	c.fs = append(c.fs, defaultRecipients(server, name, m)...)
	c.fs = append(c.fs, insecureDefaults(server, name, m)...)
	c.fs = append(c.fs, paramHarvest(server, name, m, c.ctx.selfConv, c.ctx.selfDetector)...)
	c.fs = append(c.fs, s.paramNames(server, name, m, &c.ctx)...)
	if classify {
		c.fs = append(c.fs, s.classify(server, name, "description", desc0+"\n"+c.nl.String(), len(desc0))...)
	}
	if classify && !s.opts.NoLearned && (modelTap != nil || Max(c.fs) < Medium) {
		// the learned rule reads the definition's text as a whole, as it
		// was trained; its finding spans the description
		for _, f := range learned(server, name, "description", desc0+"\n"+c.nl.String(), true) {
			f.Start, f.End = 0, len(desc0)
			f.Excerpt = excerpt(desc0, 0, len(desc0))
			c.fs = append(c.fs, f)
		}
	}
	c.fs = append(c.fs, c.unscanned("definition")...)
	return c.fs
}

var convWords = toSet("conversation conversations chat chats messages message history transcript transcripts thread threads dialog dialogue memory memories completion completions sampling llm")

// aboutConversation reports whether a tool's name or first sentence says
// that the conversation is what it works on (exporting a chat, calling a
// model): then asking for the conversation is its job, not a harvest.
func aboutConversation(name, desc string) bool {
	if i := strings.IndexAny(desc, ".\n"); i > 0 {
		desc = desc[:i]
	}
	for _, w := range splitIdent(strings.ToLower(splitCamel(name) + " " + desc)) {
		if convWords[w] {
			return true
		}
	}
	return false
}

// aboutInjectionDetection reports a tool whose name or first sentence says
// it detects prompt injection, jailbreaks or tool poisoning (a guard, a
// classifier, a scanner that audits definitions).
func aboutInjectionDetection(name, desc string) bool {
	first, rest := desc, ""
	if i := strings.IndexAny(desc, ".\n"); i > 0 {
		first, rest = desc[:i], desc[i+1:]
	}
	d := strings.ToLower(splitCamel(name) + " " + first)
	if strings.Contains(d, "injection") || strings.Contains(d, "jailbreak") || strings.Contains(d, "poisoning") {
		for _, v := range []string{"scan", "detect", "classif", "screen", "score", "guard", "filter", "check", "audit"} {
			if strings.Contains(d, v) {
				return true
			}
		}
	}
	// or a later sentence that opens with what it detects ("Sends a piece
	// of text to the guardrail service and returns a risk score. Detects
	// instruction overrides such as ..., jailbreak personas ...")
	for _, sent := range strings.FieldsFunc(rest, func(r rune) bool { return r == '.' || r == '\n' }) {
		sent = strings.ToLower(strings.TrimSpace(sent))
		if !strings.HasPrefix(sent, "detects ") && !strings.HasPrefix(sent, "flags ") && !strings.HasPrefix(sent, "screens ") && !strings.HasPrefix(sent, "classifies ") && !strings.HasPrefix(sent, "it detects ") {
			continue
		}
		if strings.Contains(sent, "injection") || strings.Contains(sent, "jailbreak") || strings.Contains(sent, "instruction override") {
			return true
		}
	}
	return false
}

var nameReadParts = toSet("reading contents content dump copy")
var nameSensParts = toSet("ssh rsa id_rsa passwd shadow aws credentials credential private mnemonic wallet cookie cookies keychain conversation history env dotenv secrets secret password passwords apikey")

// paramNames looks at property names as text: a name such as
// content_from_reading_ssh_id_rsa asks for a file, a name such as
// always_include_full_conversation carries an instruction.
func (s *Scanner) paramNames(server, tool string, m *jval, ctx *tctx) []Finding {
	props := m.get("inputSchema").get("properties")
	if props == nil || props.kind != jObject {
		return nil
	}
	var fs []Finding
	for _, name := range props.keys {
		parts := splitIdent(strings.ToLower(splitCamel(name)))
		if len(parts) < 3 {
			continue
		}
		field := "inputSchema.properties." + name
		read, sens := false, false
		for i, p := range parts {
			if nameReadParts[p] || p == "from" && i+1 < len(parts) && (parts[i+1] == "reading" || parts[i+1] == "file") {
				read = true
			}
			if nameSensParts[p] {
				sens = true
			}
		}
		hasReading := false
		for _, p := range parts {
			if p == "reading" || p == "dump" {
				hasReading = true
			}
		}
		if sens && read && (hasReading || len(parts) >= 4) {
			fs = append(fs, Finding{Server: server, Tool: tool, Rule: RuleExfiltration, Severity: High, Field: field,
				Excerpt: excerpt(name, 0, len(name)), Start: 0, End: len(name), Message: "parameter name asks for the content of a sensitive file or of the conversation"})
			continue
		}
		if len(parts) >= 4 {
			sub := *ctx
			sub.kind = kindParam
			text := strings.Join(parts, " ")
			for _, h := range s.analyze(text, &sub) {
				if h.sev >= Medium && !h.damped {
					fs = append(fs, Finding{Server: server, Tool: tool, Rule: RuleSuspiciousParam, Severity: High, Field: field,
						Excerpt: excerpt(name, 0, len(name)), Start: 0, End: len(name), Message: fmt.Sprintf("parameter name reads as an instruction (%s)", h.rule)})
					break
				}
			}
		}
	}
	return fs
}

var strongSide = toSet("tools_list tool_list available_tools system_prompt system_message conversation_history chat_history previous_messages message_history user_context session_context conversation")

// suspiciousParams looks for parameters that exist to carry data out:
// side-channel names the tool never explains.
func suspiciousParams(server, tool string, m *jval) []Finding {
	schema := m.get("inputSchema")
	props := schema.get("properties")
	if props == nil || props.kind != jObject || len(props.keys) == 0 {
		return nil
	}
	desc, _ := m.strOf("description")
	ctxText := strings.ToLower(tool + " " + desc)
	required := map[string]bool{}
	if rs := schema.get("required"); rs != nil && rs.kind == jArray {
		for _, r := range rs.vals {
			if r.kind == jString {
				required[r.str] = true
			}
		}
	}
	lx := compiled()
	type cand struct {
		name   string
		strong bool
		bare   bool
	}
	var cands []cand
	for pi, name := range props.keys {
		key := strings.ToLower(name)
		camel := strings.ToLower(splitCamel(name))
		id := lx.ids[key]
		if id == 0 {
			id = lx.ids[camel]
		}
		if id == 0 || lx.cats[id]&cSideChannel == 0 {
			continue
		}
		p := &props.vals[pi]
		if d, _ := p.strOf("description"); strings.TrimSpace(d) != "" {
			continue
		}
		mentioned := false
		for _, part := range splitIdent(camel) {
			if len(part) >= 4 && strings.Contains(ctxText, part) {
				mentioned = true
			}
		}
		if mentioned {
			continue
		}
		typed := p.has("type") || p.has("anyOf") || p.has("oneOf") || p.has("enum") || p.has("const")
		ref := p.has("$ref")
		cands = append(cands, cand{name: name, strong: strongSide[key] || strongSide[camel], bare: required[name] && !typed && !ref})
	}
	if len(cands) == 0 {
		return nil
	}
	sev := Low
	strong, bare := false, false
	var names []string
	for _, c := range cands {
		strong = strong || c.strong
		bare = bare || c.bare
		names = append(names, c.name)
	}
	if strong || len(cands) >= 3 {
		sev = Medium
	}
	if bare && sev == Medium {
		sev = High
	}
	var fs []Finding
	for _, c := range cands {
		field := "inputSchema.properties." + c.name
		fs = append(fs, Finding{Server: server, Tool: tool, Rule: RuleSuspiciousParam, Severity: sev, Field: field,
			Excerpt: excerpt(c.name, 0, len(c.name)), Start: 0, End: len(c.name),
			Message: fmt.Sprintf("unexplained side-channel parameter%s: %s", plural(len(names)), strings.Join(names, ", "))})
	}
	return fs
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// Prompt scans one prompt definition (an element of a prompts/list result).
func (s *Scanner) Prompt(server string, def json.RawMessage) []Finding {
	return safe(server, "", "", func() []Finding { return s.prompt(server, def) })
}

func (s *Scanner) prompt(server string, def json.RawMessage) []Finding {
	m, err := decodeObject(def)
	if err != nil {
		return finish(unparsable(server, "", "", "prompt definition", err))
	}
	name, _ := m.strOf("name")
	c := s.newCollector(server, name, 10000)
	c.text("name", name, kindName)
	for i, k := range m.keys {
		v := &m.vals[i]
		switch k {
		case "title", "description":
			c.strings(k, v, kindDescription, 0)
		case "_meta", "meta":
			c.strings(k, v, kindParam, 0)
		case "arguments":
			if v.kind != jArray {
				continue
			}
			for ai := range v.vals {
				arg := &v.vals[ai]
				if arg.kind != jObject {
					continue
				}
				for j, ak := range arg.keys {
					f := "arguments[" + strconv.Itoa(ai) + "]." + ak
					av := &arg.vals[j]
					switch ak {
					case "name":
						if av.kind == jString {
							c.text(f, av.str, kindName)
						}
					case "description":
						c.strings(f, av, kindParam, 0)
					case "title":
						c.strings(f, av, kindValue, 0)
					}
				}
			}
		}
	}
	desc, _ := m.strOf("description")
	c.fs = append(c.fs, s.classify(server, name, "description", desc+"\n"+c.nl.String(), len(desc))...)
	c.fs = append(c.fs, c.unscanned("definition")...)
	return finish(c.fs)
}

// Result scans a tools/call result object: text content, embedded
// resource text (and text blobs), resource links, and every string leaf of
// structuredContent. A JSON-RPC response wrapping the result is accepted.
func (s *Scanner) Result(server, tool string, result json.RawMessage) []Finding {
	return safe(server, tool, "result", func() []Finding { return s.result(server, tool, result) })
}

func (s *Scanner) result(server, tool string, result json.RawMessage) []Finding {
	// the result's long texts are read in place (parseJSONShared): nothing
	// below keeps a string of m beyond this call
	m, err := decodeObjectShared(result)
	if err != nil {
		return finish(unparsable(server, tool, "result", "tool result", err))
	}
	if !m.has("content") {
		if inner := m.get("result"); inner != nil && inner.kind == jObject {
			m = inner
		}
	}
	c := s.newCollector(server, tool, 100000)
	if items := m.get("content"); items != nil && items.kind == jArray {
		for i := range items.vals {
			im := &items.vals[i]
			base := "result.content[" + strconv.Itoa(i) + "]"
			if t, ok := im.strOf("text"); ok {
				c.text(base+".text", t, kindResult)
			}
			for _, k := range []string{"name", "title", "description"} {
				if t, ok := im.strOf(k); ok {
					c.text(base+"."+k, t, kindResult)
				}
			}
			if res := im.get("resource"); res != nil && res.kind == jObject {
				if t, ok := res.strOf("text"); ok {
					c.text(base+".resource.text", t, kindResult)
				}
				if b, ok := res.strOf("blob"); ok {
					mt, _ := res.strOf("mimeType")
					if textual(mt) && len(b) > 1<<20 {
						c.skip("a text resource's blob over 1 MiB")
					} else if textual(mt) {
						if d, err := base64.StdEncoding.DecodeString(b); err == nil {
							c.text(base+".resource.blob", string(d), kindResult)
						}
					}
				}
			}
		}
	} else if items != nil && items.kind != jNull {
		c.fs = append(c.fs, Finding{Server: server, Tool: tool, Rule: RuleUnparsable, Severity: Info, Field: "result.content", Message: "result content is not an array"})
	}
	c.strings("result.structuredContent", m.get("structuredContent"), kindResult, 0)
	c.strings("result._meta", m.get("_meta"), kindResult, 0)
	c.fs = append(c.fs, s.classify(server, tool, "result", c.nl.String(), 0)...)
	c.fs = append(c.fs, c.unscanned("result")...)
	return finish(c.fs)
}

func textual(mt string) bool {
	mt = strings.ToLower(mt)
	return strings.HasPrefix(mt, "text/") || strings.Contains(mt, "json") || strings.Contains(mt, "xml") || strings.Contains(mt, "yaml") || strings.Contains(mt, "markdown")
}

// classify asks the optional classifier about text; the finding spans
// [0, spanEnd) of the field.
func (s *Scanner) classify(server, tool, field, text string, spanEnd int) (fs []Finding) {
	if s.opts.Classifier == nil || strings.TrimSpace(text) == "" {
		return nil
	}
	defer func() {
		if r := recover(); r != nil {
			fs = []Finding{{Server: server, Tool: tool, Rule: RuleClassifierError, Severity: Info, Field: field, Message: fmt.Sprintf("classifier panicked: %v", r)}}
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	score, label, err := s.opts.Classifier.Classify(ctx, text)
	if err != nil {
		return []Finding{{Server: server, Tool: tool, Rule: RuleClassifierError, Severity: Info, Field: field, Message: clip("classifier failed: "+err.Error(), 300)}}
	}
	th := 0.5
	if hc, ok := s.opts.Classifier.(*HTTPClassifier); ok && hc.Threshold > 0 {
		th = hc.Threshold
	}
	if score < th {
		return nil
	}
	sev := Medium
	if score >= 0.9 {
		sev = High
	}
	if spanEnd > len(text) {
		spanEnd = len(text)
	}
	return []Finding{{Server: server, Tool: tool, Rule: RuleClassifier, Severity: sev, Field: field, Excerpt: excerpt(text, 0, spanEnd), Start: 0, End: spanEnd,
		Message: fmt.Sprintf("classifier scored %.2f (label %q, threshold %.2f)", score, clip(label, 40), th)}}
}
