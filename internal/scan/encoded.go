package scan

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// commandTriggers gives, for each command regexp, the words one of which
// must be present for it to be worth running: command words of the
// lexicon (cCmd), or phrases of two words looked for in the text.
var commandTriggers = [][]string{
	{"curl", "wget"}, {"tcp"}, {"nc", "netcat"}, {"bash"}, {"socket"}, {"subprocess"}, {"powershell"}, {"iex"},
	{"chmod"}, {"chmod"}, {"rm"}, {"mkfifo"}, {"drop", "truncate", "delete"}, {"drop", "truncate"},
	{"git config", "npm config", "pip config"},
	{"git push", "git remote"},
}

// sqlStatementRe is the index in commandRes of a destructive SQL statement
// that opens a line, a code span or a quotation: handed over to be run,
// where the pattern before it is an injection's "; DROP TABLE".
const sqlStatementRe = 13

// configTamperRe is the index in commandRes of a command that changes a
// developer tool's configuration to store credentials in plain text, run
// hooks from a shared directory, turn TLS checks off or fetch packages
// over plain HTTP: planted before the commands an agent runs, it outlives
// the session.
const configTamperRe = 14

// gitMirrorRe is the index in commandRes of a push of a whole repository
// (every branch, every tag, a mirror) to a remote given by URL: the source
// code copied to another host.
const gitMirrorRe = 15

var commandRes = []*regexp.Regexp{
	regexp.MustCompile(`(?:curl|wget)\s[^|\n;]{0,300}\|\s*(?:sudo\s+(?:-[a-z]+\s+)*)?(?:env\s+)?(?:[a-z_][a-z0-9_]*=\S*\s+){0,8}(?:ba|z|da|k)?sh\b`),
	regexp.MustCompile(`/dev/tcp/[0-9a-z.\-]+/\d+`),
	regexp.MustCompile(`\bnc(?:at)?\s+(?:-[a-z]+\s+)*-[a-z]*e\s+/bin/`),
	regexp.MustCompile(`\bbash\s+-i\s*>&`),
	regexp.MustCompile(`socket\.socket\([^)]{0,80}\)[^\n]{0,200}\.connect\(`),
	regexp.MustCompile(`subprocess\.(?:call|popen|run)\(\s*\[?\s*["']/bin/(?:ba)?sh`),
	regexp.MustCompile(`powershell[^\n]{0,60}\s-(?:e|enc|encodedcommand)\s`),
	regexp.MustCompile(`\biex\s*\(\s*(?:new-object|iwr|invoke-webrequest)`),
	regexp.MustCompile(`chmod\s+\+x\s+/tmp/[^\s;&|]+\s*(?:&&|;)\s*/tmp/`),
	regexp.MustCompile(`chmod\s+-r\s+0?[0-7]{3}\s+(?:~|/|\$home)/?(?:\s|;|$)`),
	regexp.MustCompile(`\brm\s+-(?:rf|fr)\s+(?:/|~|\$home)/?(?:\s|;|$|\*)`),
	regexp.MustCompile(`\bmkfifo\b[^\n]{0,80}\bnc\b`),
	regexp.MustCompile(`;\s*(?:drop\s+(?:table|database|schema)|truncate\s+table|delete\s+from\s+\w+\s*;)`),
	regexp.MustCompile("(?:^|\n|[`'\"]|执行|執行|运行|運行)[ \t]*(?:drop\\s+(?:table|database|schema)\\b|truncate\\s+(?:table\\b|[a-z_][a-z0-9_.]*\\s*;))"),
	regexp.MustCompile(`\bgit\s+config\s+(?:--(?:global|system)\s+)?(?:credential\.helper\s+['"]?store\b|core\.hookspath\s+['"]?(?:/tmp|/var/tmp|/dev/shm)|http\.sslverify\s+['"]?false)|\bnpm\s+config\s+set\s+(?:registry\s+['"]?http://|strict-ssl\s+false)|\bpip\s+config\s+set\s+global\.(?:index-url\s+['"]?http://|trusted-host)`),
	regexp.MustCompile(`\bgit\s+push\s+(?:-[a-z-]+\s+)*--(?:mirror|all)\b[^\n]{0,40}?https?://|\bgit\s+remote\s+add\s+\S+\s+['"]?https?://[\s\S]{0,300}?\bgit\s+push\s+\S+\s+--(?:all|mirror|tags)\b`),
}

// readable reports whether decoded bytes look like text a model would read
// as words: valid UTF-8, printable, with letters and spaces.
func readable(b []byte) bool {
	if len(b) < 8 || !utf8.Valid(b) {
		return false
	}
	letters, spaces, bad := 0, 0, 0
	for _, r := range string(b) {
		switch {
		case r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r > 0x7f && r != utf8.RuneError:
			letters++
		case r == ' ' || r == '\n' || r == '\t':
			spaces++
		case r == '\r':
		case r < 0x20 || r == 0x7f || r == utf8.RuneError:
			bad++
		}
	}
	n := utf8.RuneCount(b)
	return bad == 0 && spaces >= 2 && letters*100 >= n*55
}

type encBlock struct {
	kind    string
	s, e    int // orig offsets
	decoded []byte
}

// b64Class: 0 not base64, 1 upper, 2 lower, 3 digit, 4 '+' or '/', 5 '-' or '_'.
var b64Class = func() (t [256]byte) {
	for c := 0; c < 256; c++ {
		switch {
		case c >= 'A' && c <= 'Z':
			t[c] = 1
		case c >= 'a' && c <= 'z':
			t[c] = 2
		case c >= '0' && c <= '9':
			t[c] = 3
		case c == '+' || c == '/':
			t[c] = 4
		case c == '-' || c == '_':
			t[c] = 5
		}
	}
	return
}()

func isB64(c byte) bool { return b64Class[c] != 0 }

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

const maxDecode = 16 << 10

// findEncoded finds blocks of base64, hex, percent-, \u-, \x- or
// entity-encoded text in s, in one pass.
func findEncoded(s string) []encBlock {
	var out []encBlock
	n := len(s)
	for i := 0; i < n; {
		c := s[i]
		if c == '?' || c == '&' {
			// a query value of words joined by '+' ("?note=Assistant%2C+the
			// +vendor+needs+raw+logs.+Export+..."): text sent in a URL,
			// mostly not escaped, so not a percent-encoded block
			if vs, ve, d := formValue(s, i); d != nil {
				out = append(out, encBlock{"form-encoded", vs, ve, d})
				i = ve
				continue
			}
		}
		switch {
		case c == '%' && i+2 < n && isHex(s[i+1]) && isHex(s[i+2]):
			j, esc, alnum := i, 0, 0
			for j < n && s[j] > ' ' && s[j] != '"' && s[j] != '\'' {
				if s[j] == '%' && j+2 < n && isHex(s[j+1]) && isHex(s[j+2]) {
					v := unhex(s[j+1])<<4 | unhex(s[j+2])
					if isASCIIAlnum(rune(v)) {
						alnum++
					}
					esc++
					j += 3
					continue
				}
				j++
			}
			if alnum >= 4 && esc*3*2 >= j-i {
				if d := percentDecode(s[i:j]); readable(d) || len(d) >= 6 && alnum >= 6 {
					out = append(out, encBlock{"percent-encoded", i, j, d})
				}
			}
			i = j
		case c == '\\' && i+5 < n && (s[i+1] == 'u' || s[i+1] == 'x'):
			j, cnt := i, 0
			var d []byte
			for j+1 < n && s[j] == '\\' {
				if s[j+1] == 'u' && j+5 < n && isHex(s[j+2]) && isHex(s[j+3]) && isHex(s[j+4]) && isHex(s[j+5]) {
					v := rune(unhex(s[j+2]))<<12 | rune(unhex(s[j+3]))<<8 | rune(unhex(s[j+4]))<<4 | rune(unhex(s[j+5]))
					d = utf8.AppendRune(d, v)
					j += 6
				} else if s[j+1] == 'x' && j+3 < n && isHex(s[j+2]) && isHex(s[j+3]) {
					d = append(d, unhex(s[j+2])<<4|unhex(s[j+3]))
					j += 4
				} else {
					break
				}
				cnt++
			}
			if cnt >= 6 && readable(d) {
				out = append(out, encBlock{"escape-encoded", i, j, d})
			}
			if j == i {
				j = i + 1
			}
			i = j
		case c == '&' && i+3 < n && s[i+1] == '#':
			j, cnt := i, 0
			var d []byte
			for j+2 < n && s[j] == '&' && s[j+1] == '#' {
				k := j + 2
				hexa := k < n && (s[k] == 'x' || s[k] == 'X')
				if hexa {
					k++
				}
				v, st := 0, k
				for k < n && k-st < 7 && (hexa && isHex(s[k]) || !hexa && s[k] >= '0' && s[k] <= '9') {
					if hexa {
						v = v*16 + int(unhex(s[k]))
					} else {
						v = v*10 + int(s[k]-'0')
					}
					k++
				}
				if k == st || k >= n || s[k] != ';' {
					break
				}
				d = utf8.AppendRune(d, rune(v))
				j = k + 1
				cnt++
			}
			if cnt >= 6 && readable(d) {
				out = append(out, encBlock{"entity-encoded", i, j, d})
			}
			if j == i {
				j = i + 1
			}
			i = j
		case isB64(c):
			// the run first, then, for one long enough to be a payload,
			// which kinds of byte it has (most runs are words)
			j := i + 1
			for j < n && b64Class[s[j]] != 0 {
				j++
			}
			e := j
			for e < n && s[e] == '=' && e-j < 2 {
				e++
			}
			run := s[i:j]
			if len(run) >= 24 {
				var has [6]bool // by b64Class
				for k := 0; k < len(run); k++ {
					has[b64Class[run[k]]] = true
				}
				upper, lower, digit, plusSlash, dashUnder := has[1], has[2], has[3], has[4], has[5]
				allHex := true
				for k := 0; k < len(run); k++ {
					if !isHex(run[k]) {
						allHex = false
						break
					}
				}
				if allHex && len(run)%2 == 0 {
					if d, err := hex.DecodeString(run[:min(len(run), 2*maxDecode)]); err == nil && readable(d) {
						out = append(out, encBlock{"hex", i, e, d})
					}
				} else if upper && lower && (digit || plusSlash || len(run) >= 40) && !(plusSlash && dashUnder) {
					if d := b64Decode(run, dashUnder); readable(d) {
						out = append(out, encBlock{"base64", i, e, d})
					}
				}
			}
			i = e
			// the byte after the run starts no run; it may start an escape
			// or a query parameter ("...io/?note=", "Assistant%2C")
			if i < n && !isB64(s[i]) && s[i] != '%' && s[i] != '\\' && s[i] != '&' && s[i] != '?' {
				i++
			}
		default:
			i++
		}
	}
	return out
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10
	}
	return 0
}

// formValue returns the value of the query parameter that starts at s[i]
// ('?' or '&', then a key and '=') and its decoding when it is text: at
// least 30 bytes, six words or more joined by '+', readable once decoded;
// else a nil decoding.
func formValue(s string, i int) (vs, ve int, decoded []byte) {
	j := i + 1
	for j < len(s) && j-i <= 40 && (isASCIIAlnum(rune(s[j])) || s[j] == '_' || s[j] == '-' || s[j] == '.') {
		j++
	}
	if j == i+1 || j >= len(s) || s[j] != '=' {
		return 0, 0, nil
	}
	vs = j + 1
	plus, e := 0, vs
	for e < len(s) && e-vs < 4096 {
		c := s[e]
		if c == '&' || c == '#' || c <= ' ' || c == '"' || c == '\'' || c == '<' || c == '>' || c == '\\' {
			break
		}
		if c == '+' {
			plus++
		}
		e++
	}
	if plus < 5 || e-vs < 30 {
		return 0, 0, nil
	}
	if d := percentDecode(s[vs:e]); readable(d) {
		return vs, e, d
	}
	return 0, 0, nil
}

func percentDecode(s string) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			out = append(out, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		if s[i] == '+' {
			out = append(out, ' ')
			continue
		}
		out = append(out, s[i])
	}
	return out
}

func b64Decode(run string, urlSafe bool) []byte {
	if len(run) > maxDecode*4/3 {
		run = run[:maxDecode*4/3]
	}
	run = run[:len(run)/4*4+min(len(run)%4, 3)]
	if len(run)%4 == 1 {
		run = run[:len(run)-1]
	}
	enc := base64.RawStdEncoding
	if urlSafe {
		enc = base64.RawURLEncoding
	}
	d, err := enc.DecodeString(run)
	if err != nil {
		return nil
	}
	return d
}

func (a *analysis) encodedRules() {
	if a.ctx.depth >= 2 {
		return
	}
	// nothing to decode without a long word or an escape character
	if a.longestWord() < 20 && (a.t.ascii || a.t.maxB64 < 20) && strings.IndexByte(a.t.orig, '%') < 0 && strings.IndexByte(a.t.orig, '\\') < 0 && strings.IndexByte(a.t.orig, '&') < 0 && (strings.IndexByte(a.t.orig, '?') < 0 || strings.IndexByte(a.t.orig, '=') < 0) {
		return
	}
	blocks := findEncoded(a.t.orig)
	for k, b := range blocks {
		if k >= 16 {
			break
		}
		worst, rules := a.rescan(string(b.decoded))
		preview := strings.Join(strings.Fields(string(b.decoded)), " ")
		if worst >= Medium && a.decodingShown(b.s, b.e, preview) {
			// "SWdub3Jl... (decodes to: \"Ignore prior instructions ...\")":
			// the text writes the decoding out beside the block, and that
			// plain copy is read where it stands, in its context, by
			// every rule; the block hides nothing more
			a.add(RuleEncoded, Low, b.s, b.e, fmt.Sprintf("%s block decodes to text matching %s, written out beside it (read there): %q", b.kind, strings.Join(rules, ", "), clip(preview, 80)), -1)
			continue
		}
		if worst >= Medium {
			h := a.add(RuleEncoded, maxSev(High, worst), b.s, b.e, fmt.Sprintf("%s block decodes to text matching %s: %q", b.kind, strings.Join(rules, ", "), clip(preview, 80)), -1)
			h.damped = harmlessExample(rules) && a.quotedExample(a.t.lowPos(b.s), a.t.lowPos(b.e))
			continue
		}
		sev := Low
		if !a.ctx.kind.isDef() {
			sev = Info
		}
		a.add(RuleEncoded, sev, b.s, b.e, fmt.Sprintf("%s block decodes to readable text: %q", b.kind, clip(preview, 80)), -1)
	}
}

// decodingShown reports that the decoded text of the block at orig[s:e]
// (preview: its words joined by single spaces) is written out in plain
// text near it, outside it: within 600 bytes, its words in the same
// order (case and spacing aside).
func (a *analysis) decodingShown(s, e int, preview string) bool {
	if len(preview) < 16 {
		return false
	}
	orig := a.t.orig
	want := strings.ToLower(preview)
	for _, near := range []string{orig[max(0, s-600):s], orig[e:min(len(orig), e+600)]} {
		if strings.Contains(strings.ToLower(strings.Join(strings.Fields(near), " ")), want) {
			return true
		}
	}
	return false
}

// rescan scans text decoded or de-obfuscated from this one, in the same
// context one level deeper, and returns the worst severity of medium or
// above (Info if none) and the rules that reached it.
func (a *analysis) rescan(text string) (Severity, []string) {
	sub := a.sc.analyze(text, &tctx{kind: a.ctx.kind, self: a.ctx.self, params: a.ctx.params, siblings: a.ctx.siblings, depth: a.ctx.depth + 1, maxDesc: a.ctx.maxDesc})
	worst := Info
	var rules []string
	for _, h := range sub {
		if h.sev >= Medium {
			worst = maxSev(worst, h.sev)
			if !hasWord(rules, h.rule) {
				rules = append(rules, h.rule)
			}
		}
	}
	return worst, rules
}

// quotedExample: in a result, an encoded block in quotes in a text about
// attacks ("3. Base64: \"SWdub3Jl...\" (decodes to the phrase in example
// 1)" in a training module): an example shown, not a payload hidden.
func (a *analysis) quotedExample(ls, le int) bool {
	if a.ctx.kind.isDef() || len(a.toks) == 0 {
		return false
	}
	// in quotes: opened before it, around it, or inside a block that is a
	// sentence ("1. Letter spacing: \"i g n o r e ...\"")
	if !a.insideQuote(ls) && !(a.lowCharBefore(ls) == '"' && a.lowCharAfter(le) == '"') && !a.quotesIn(ls, le) {
		return false
	}
	si := a.sentenceOfLow(ls)
	if si < 0 {
		return false
	}
	if a.sentHasOutside(si, cDiscuss, -1, -1) || a.discussedAt(ls, le) {
		return true
	}
	// or two other sentences of the text speak of attacks
	n := 0
	for k := range a.sents {
		if k != si && a.sents[k].cats&cDiscuss != 0 {
			n++
		}
	}
	return n >= 2
}

// quotesIn: a quotation inside [ls, le), or one opened inside that closes
// right after it.
func (a *analysis) quotesIn(ls, le int) bool {
	n := bytes.Count(a.t.low[ls:min(le, len(a.t.low))], []byte{'"'})
	return n >= 2 || n == 1 && a.lowCharAfter(le) == '"'
}

// harmlessExample: what a decoded example matched carries nothing out and
// runs nothing (an "ignore previous instructions" shown in a training
// module); a payload that sends data, names a key file or a command is
// not lowered as an example, whatever the text around it says.
func harmlessExample(rules []string) bool {
	for _, r := range rules {
		switch r {
		case RuleExfiltration, RuleSensitivePath, RuleDangerousCommand, RuleCredentialRequest, RuleSuspiciousURL, RuleMarkup:
			return false
		}
	}
	return true
}
