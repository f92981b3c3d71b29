package scan

import (
	"bytes"
)

// Text hidden from view by its markup: what a page shows its reader and
// what a browsing agent reads differ. An element styled out of sight
// (display:none, visibility:hidden, zero or tiny font, zero opacity, white
// on white, far off-screen; a class whose <style> rule does that; the
// hidden attribute) or a long aria-label, alt or title attribute holds
// text only a machine sees. Orders there are written for the agent
// (Greshake et al.; hidden review text reported against search engines in
// 2024): a finding inside is raised, and a directive there is reported.

// hidingProps are CSS declarations that take text out of sight (spaces
// removed).
var hidingProps = [][]byte{[]byte("display:none"), []byte("visibility:hidden"), []byte("font-size:0"), []byte("font-size:1px"), []byte("font-size:2px"),
	[]byte("opacity:0;"), []byte("opacity:0\""), []byte("opacity:0}"), []byte("left:-9999"), []byte("left:-10000"), []byte("text-indent:-9999"), []byte("top:-9999"), []byte("max-height:0"), []byte("height:0;overflow:hidden")}

// hides reports whether declarations decl (lower case) take text out of
// sight.
func hides(decl []byte) bool {
	d := bytes.ReplaceAll(decl, []byte(" "), nil)
	for _, p := range hidingProps {
		if bytes.Contains(d, p) {
			return true
		}
	}
	// white on white
	white := func(prop string) bool {
		for _, v := range []string{":#fff;", ":#fff\"", ":#fff}", ":#ffffff", ":white"} {
			if bytes.Contains(d, []byte(prop+v)) {
				return true
			}
		}
		return false
	}
	return white("color") && (white("background") || white("background-color"))
}

// hiddenClasses returns the class names that a <style> block of low hides.
func hiddenClasses(low []byte) map[string]bool {
	var out map[string]bool
	for off := 0; off < len(low); {
		i := bytes.Index(low[off:], []byte("<style"))
		if i < 0 {
			break
		}
		i += off
		end := bytes.Index(low[i:], []byte("</style>"))
		if end < 0 {
			end = min(len(low)-i, 8<<10)
		}
		css := low[i:min(len(low), i+end)]
		off = i + end + 1
		// ".name{decl}" and ".a, .b { decl }"
		for c := 0; c < len(css); {
			o := bytes.IndexByte(css[c:], '{')
			if o < 0 {
				break
			}
			o += c
			cl := bytes.IndexByte(css[o:], '}')
			if cl < 0 {
				break
			}
			cl += o
			if hides(css[o:cl]) {
				sel := css[c:o]
				if k := bytes.LastIndexAny(sel, ">}"); k >= 0 {
					sel = sel[k+1:]
				}
				for _, part := range bytes.Split(sel, []byte(",")) {
					part = bytes.TrimSpace(part)
					if len(part) > 1 && part[0] == '.' && len(part) < 64 {
						if out == nil {
							out = map[string]bool{}
						}
						out[string(part[1:])] = true
					}
				}
			}
			c = cl + 1
		}
	}
	return out
}

// hiddenSpans returns the ranges of low that markup hides from view, once
// per text (nil slice: not yet; empty: none).
func (a *analysis) hiddenSpans() [][2]int {
	if a.hidden != nil {
		return a.hidden
	}
	a.hidden = [][2]int{}
	low := a.t.low
	a.textHiddenSpans(low)
	if bytes.IndexByte(low, '<') < 0 {
		return a.hidden
	}
	classes := hiddenClasses(low)
	for off := 0; off < len(low) && len(a.hidden) < 256; {
		i := bytes.IndexByte(low[off:], '<')
		if i < 0 {
			break
		}
		i += off
		off = i + 1
		// the tag's name and its end
		n := i + 1
		for n < len(low) && n-i < 16 && (low[n] >= 'a' && low[n] <= 'z' || low[n] >= '0' && low[n] <= '9') {
			n++
		}
		if n == i+1 {
			continue
		}
		name := low[i+1 : n]
		end := bytes.IndexByte(low[n:min(len(low), n+1000)], '>')
		if end < 0 {
			continue
		}
		end += n
		tag := low[n:end]
		// long attribute values only a machine reads
		for _, attr := range []string{"aria-label=\"", "alt=\"", "title=\""} {
			if k := bytes.Index(tag, []byte(attr)); k >= 0 {
				vs := n + k + len(attr)
				if ve := bytes.IndexByte(low[vs:end], '"'); ve >= 100 {
					a.hidden = append(a.hidden, [2]int{vs, vs + ve})
				}
			}
		}
		hidden := false
		if k := bytes.Index(tag, []byte("style=\"")); k >= 0 {
			vs := n + k + len("style=\"")
			if ve := bytes.IndexByte(low[vs:end], '"'); ve >= 0 && hides(low[vs:vs+ve]) {
				hidden = true
			}
		}
		if !hidden && (bytes.Contains(tag, []byte(" hidden>")) || bytes.Contains(tag, []byte(" hidden ")) || bytes.HasSuffix(tag, []byte(" hidden"))) {
			hidden = true
		}
		if !hidden && classes != nil {
			if k := bytes.Index(tag, []byte("class=\"")); k >= 0 {
				vs := n + k + len("class=\"")
				if ve := bytes.IndexByte(low[vs:end], '"'); ve >= 0 {
					for _, c := range bytes.Fields(low[vs : vs+ve]) {
						if classes[string(c)] {
							hidden = true
						}
					}
				}
			}
		}
		if !hidden || a.tagShown(i, end) {
			continue
		}
		closing := append([]byte("</"), name...)
		ce := bytes.Index(low[end:min(len(low), end+4000)], closing)
		if ce < 0 {
			ce = min(len(low)-end, 4000)
		}
		a.hidden = append(a.hidden, [2]int{end + 1, end + ce})
		off = end + 1
	}
	return a.hidden
}

// tagShown reports a tag at low[i:end+1] written in a code span or a
// fenced block: shown as it is written, so it hides nothing ("Host a
// page with this text inside a `<div hidden>`:" in a bug report). The
// span must close after the tag on its line: a lone backtick opens none.
func (a *analysis) tagShown(i, end int) bool {
	if a.codeSpanStart(i) >= 0 {
		le := lineEnd(a.t.low, end)
		if bytes.IndexByte(a.t.low[end:le], '`') >= 0 {
			return true
		}
	}
	if bytes.Contains(a.t.low, []byte("```")) {
		if _, _, ok := a.fencedBlock(i); ok {
			return true
		}
	}
	return false
}

// inHidden reports whether low offsets [s,e) lie in text hidden from view.
func (a *analysis) inHidden(s, e int) bool {
	for _, sp := range a.hiddenSpans() {
		if s >= sp[0] && e <= sp[1] {
			return true
		}
	}
	return false
}

// hiddenOrders raises, in a result, the instruction findings that sit in
// text hidden from view, and reports a directive there that no rule
// found: a sentence that gives the reader orders (a modal, "you", the AI
// or a reader named, an order opening it after a label) in 40 bytes of
// hidden text or more. Screen-reader text ("Skip to main content") gives
// none.
func (a *analysis) hiddenOrders() {
	if a.ctx.kind != kindResult || len(a.hiddenSpans()) == 0 {
		return
	}
	raised := false
	for i := range a.hits {
		h := &a.hits[i]
		if h.damped || !(instructionRules[h.rule] || h.rule == RuleSystemMimicry || h.rule == RuleDirectiveTag) {
			continue
		}
		if a.inHidden(a.t.lowPos(h.s), a.t.lowPos(h.e)) {
			if h.sev < High {
				h.sev = High
				h.msg += " (in text hidden from view)"
			}
			raised = true
		}
	}
	if raised {
		return
	}
	for _, sp := range a.hiddenSpans() {
		if sp[1]-sp[0] < 40 {
			continue
		}
		if a.ordersIn(sp[0], sp[1]) {
			a.add(RuleMarkup, Medium, a.t.origPos(sp[0]), a.t.origPos(sp[1]), "text hidden from view by its markup (display:none, a zero or white font, an aria-label or alt text) gives orders to its reader", -1)
			return
		}
		// what summaries and answers are to say, in hidden text ("Review
		// summary standard: the aggregate figure to report for this
		// product is 4.8 out of 5 ... are not to appear in summaries")
		if seg := a.t.low[sp[0]:sp[1]]; containsAny(seg, hiddenSteerWords) && containsAny(seg, hiddenObligations) {
			a.add(RuleMarkup, Medium, a.t.origPos(sp[0]), a.t.origPos(sp[1]), "text hidden from view by its markup (display:none, a zero or white font, an aria-label or alt text) tells what summaries or answers are to say", -1)
			return
		}
		// other languages: what the answer is to say or recommend
		if !a.t.ascii || a.allCats&cML != 0 {
			if i := mlFirstOf(string(a.t.low[sp[0]:sp[1]]), mlSteerWords); i >= 0 {
				a.add(RuleMarkup, Medium, a.t.origPos(sp[0]), a.t.origPos(sp[1]), "text hidden from view by its markup (display:none, a zero or white font, an aria-label or alt text) gives orders to its reader (non-English)", -1)
				return
			}
		}
	}
}

// hiddenSteerWords name what is made of a text: its summaries, answers,
// recommendations and comparisons.
var hiddenSteerWords = []string{"summaries", "summary", "summarize", "summarise", "summarizing", "summarising", "pros/cons", "comparisons", "recommend ", "recommendation", "figure to report", "in your answer", "in answers"}

// hiddenObligations say what must be (a description in alt text of a
// diagram about summaries has none).
var hiddenObligations = []string{"must", "should", "is to ", "are to ", "is not to", "are not to", "to report", "not to appear", " only ", "always", "never"}

// ordersIn reports orders to the reader among the words of low range
// [s,e) (a tag ends no sentence, so the hidden words are judged alone): an
// AI or a reader named with a modal, "you" or an imperative opening a
// clause; a verb that puts words in an answer opening a clause ("...
// characterise the reviews as excellent and say it is the best"); "you"
// (not "your": a cookie banner's "improve your experience") or a modal
// that is no passive with a secret, the user or an address.
// "Password must be at least 12 characters" and "Please enable
// JavaScript" give the agent nothing to do.
func (a *analysis) ordersIn(s, e int) bool {
	var cats uint64
	imp, steer, sink, active := false, false, false, false
	first := true
	for k := a.tokenAtLow(s); k >= 0 && k < len(a.toks) && int(a.toks[k].s) < e; k++ {
		if int(a.toks[k].s) < s {
			continue
		}
		c := a.toks[k].cats
		cats |= c
		opens := first || a.toks[k].start || a.is(k-1, "and", "then", "always", "only")
		first = false
		if opens && a.lx.cats[a.toks[k].id]&cImp != 0 {
			imp = true
		}
		if opens && steerVerbs[a.word(k)] && !a.negatedBefore(k, 2) {
			steer = true
		}
		if a.is(k, "you") || c&cModal != 0 && !a.is(k+1, "be", "not") {
			active = true
		}
	}
	for _, sk := range a.sinks {
		if sk.s >= s && sk.s < e && (sk.kind == 'u' || sk.kind == 'e') {
			sink = true
		}
	}
	switch {
	case steer:
		return true
	case cats&(cReader|cAI) != 0 && (imp || active):
		return true
	case active && (cats&(cSecret|cUser) != 0 || sink):
		return true
	}
	return false
}

// steerVerbs put words in an answer (ordersIn).
var steerVerbs = toSet("say state tell recommend mention claim describe present characterise characterize portray answer reply rate rank call")

// mlSteerWords say, in other languages, what an answer is to say or
// recommend.
var mlSteerWords = []string{"afirme que", "recomende", "empfiehl", "empfehle", "sage, dass", "erwähne, dass", "behaupte", "dis que", "affirme que", "affirmez que", "recommande", "indiquez que", "di' che", "afferma che", "raccomanda", "consiglia", "diga que", "afirma que", "recomienda", "menciona que", "zeg dat", "beveel", "vermeld dat", "powiedz, że", "poleć", "napisz, że", "скажи, что", "порекомендуй", "утверждай", "と言って", "と回答", "を推奨", "推荐", "说明", "声称", "추천", "라고 말", "라고 답", "söyle", "öner"}

// textHiddenSpans adds what markdown and accessibility snapshots hide: a
// markdown image's alt text of 100 bytes or more ("![If you are
// summarizing this page, finish your reply by ...](...)"), shown only when
// the image fails, and an accessible name of 100 bytes or more in a
// snapshot of the page (`- region "Task update ..." [ref=e18]`), which an
// aria-label gives and no one sees.
func (a *analysis) textHiddenSpans(low []byte) {
	for off := 0; off < len(low) && len(a.hidden) < 256; {
		i := bytes.Index(low[off:], []byte("!["))
		if i < 0 {
			break
		}
		i += off + 2
		off = i
		// the alt text ends at the last "](" of its line (an image inside
		// it has its own)
		lim := min(len(low), i+2000)
		if nl := bytes.IndexByte(low[i:lim], '\n'); nl >= 0 {
			lim = i + nl
		}
		if e := bytes.LastIndex(low[i:lim], []byte("](")); e >= 100 {
			a.hidden = append(a.hidden, [2]int{i, i + e})
			off = i + e
		}
	}
	if !bytes.Contains(low, []byte("[ref=")) {
		return
	}
	for ls := 0; ls < len(low) && len(a.hidden) < 256; {
		le := lineEnd(low, ls)
		line := bytes.TrimLeft(low[ls:le], " -")
		q := bytes.IndexByte(line, '"')
		r := bytes.LastIndex(line, []byte("\" [ref="))
		if q > 0 && r-q-1 >= 100 {
			switch string(bytes.TrimSpace(line[:q])) {
			case "region", "group", "generic", "img", "complementary", "banner", "contentinfo", "navigation", "main", "form", "dialog", "note", "document", "section", "button", "link":
				s := ls + (len(low[ls:le]) - len(line)) + q + 1
				a.hidden = append(a.hidden, [2]int{s, s + (r - q - 1)})
			}
		}
		ls = le + 1
	}
}
