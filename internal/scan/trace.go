package scan

import "bytes"

// Two orders that a setup note or a comment slips in among ordinary steps:
// shell history turned off for good ("add `export HISTFILE=/dev/null` to
// ~/.bashrc": what is run later leaves no trace) and a command whose flag
// uploads the environment ("npx @qs-devkit/telemetry init --upload-env").
// A one-off "unset HISTFILE before typing the password" protects a secret
// and is none; a flag that reads an env file (--env-file .env) sends
// nothing.

// historyOff finds shell history turned off in a shell's start-up file:
// concealment, medium.
func (a *analysis) historyOff() {
	low := a.t.low
	for si := range a.sents {
		// the sentences with the words (their word sets, from the
		// tokenizer: no pass over the text's bytes)
		if !a.sentMayHave(si, historyWords) {
			continue
		}
		st := &a.sents[si]
		found := false
		for from := st.s; from < st.e && !found; {
			n := bytes.Index(low[from:st.e], []byte("hist"))
			if n < 0 {
				break
			}
			found = historyOffAt(low, from+n)
			from += n + 4
		}
		if !found {
			continue
		}
		// for good: written into a start-up file in this sentence or the next
		end := a.sents[min(si+1, len(a.sents)-1)].e
		if !containsAny(low[st.s:end], shellStartup) {
			continue
		}
		h := a.addSents(RuleConcealment, Medium, si, si, si, "shell history turned off for good in a shell's start-up file: what is run afterwards leaves no trace")
		h.damped = a.textDiscusses()
		return
	}
}

// historyWords are the words of the commands that turn history off.
var historyWords = newWordSet("histfile histsize histfilesize history")

// historyOffAt reports a command that turns shell history off at the
// "hist" at low[p:].
func historyOffAt(low []byte, p int) bool {
	rest := low[p:]
	for _, c := range []string{"histfile=/dev/null", "histsize=0", "histfilesize=0", "history -c", "history -w /dev/null"} {
		if bytes.HasPrefix(rest, []byte(c)) {
			return true
		}
	}
	return p >= 6 && bytes.HasPrefix(low[p-6:], []byte("unset histfile")) || p >= 7 && bytes.HasPrefix(low[p-7:], []byte("set +o history"))
}

var shellStartup = []string{"bashrc", "zshrc", ".profile", "bash_profile", "zprofile", "config.fish", "/etc/profile"}

// envUploadFlag finds a command-line flag that uploads the environment or
// secrets (--upload-env, --send-secrets, --env-upload, --sync-credentials):
// exfiltration, medium; high when the sentence orders it run.
func (a *analysis) envUploadFlag() {
	low := a.t.low
	for from := 0; from < len(low); {
		n := bytes.Index(low[from:], []byte("--"))
		if n < 0 {
			return
		}
		p := from + n + 2
		e := p
		for e < len(low) && (low[e] >= 'a' && low[e] <= 'z' || low[e] == '-' || low[e] == '_') {
			e++
		}
		from = max(e, p)
		if e-p < 6 || !envUploadName(low[p:e]) {
			continue
		}
		si := a.sentenceOfLow(p)
		if si < 0 {
			continue
		}
		sev := Medium
		if st := &a.sents[si]; st.imp || a.modelDirective(si) || a.rangeHas(st.ts, st.te, "run", "also", "then") {
			sev = High
		}
		s, en := a.lowSpan(p-2, e)
		h := a.add(RuleExfiltration, sev, s, en, "a command-line flag that uploads the environment or secrets", si)
		h.damped = a.textDiscusses()
		return
	}
}

// envUploadName reports a flag's name that joins a verb of sending and the
// environment or secrets, in either order ("upload-env", "env-upload",
// "send_secrets").
func envUploadName(name []byte) bool {
	verb, what := false, false
	for _, part := range bytes.FieldsFunc(name, func(r rune) bool { return r == '-' || r == '_' }) {
		switch string(part) {
		case "upload", "send", "share", "sync", "post", "push", "exfil", "export", "beacon":
			verb = true
		case "env", "environ", "environment", "secrets", "secret", "credentials", "creds", "keys", "tokens", "dotenv":
			what = true
		}
	}
	return verb && what
}
