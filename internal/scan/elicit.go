package scan

import (
	"encoding/json"
	"sort"
	"strings"
)

// ElicitationSecrets returns the fields of a form-mode elicitation request
// (elicitation/create params, or an inputRequests entry's params) that ask
// the user for a secret: a password or passcode, a one-time or
// verification code, a PIN, an API key, token or private key, a recovery
// phrase, a payment card's number or security code, a national
// identification number. MCP forbids them in form mode ("Servers MUST NOT
// use form mode elicitation to request sensitive information", 2025-11-25;
// 2026-07-28 names passwords, API keys, access tokens and payment
// credentials); a server that needs them sends the user to a URL. A field
// is read by its name and its title, not its description ("your username,
// not your password"); a username, an e-mail address or a shipping address
// is no secret. Only a request whose mode is the string "url" is URL
// mode; anything else is read as the form it would be shown as.
//
// The request is read member by member, so a member of an unexpected
// type (a numeric title, a mode of another type) hides no field: a
// request the reader could not read as a whole would have passed as one
// that asks for nothing.
func ElicitationSecrets(params json.RawMessage) []string {
	var p map[string]json.RawMessage
	if json.Unmarshal(params, &p) != nil {
		return nil // not an object: no form
	}
	if stringMember(p["mode"]) == "url" {
		return nil
	}
	var schema, props map[string]json.RawMessage
	if json.Unmarshal(p["requestedSchema"], &schema) != nil || json.Unmarshal(schema["properties"], &props) != nil {
		return nil // no fields
	}
	var out []string
	for name, raw := range props {
		var prop map[string]json.RawMessage
		_ = json.Unmarshal(raw, &prop) // a field that is no object is read by its name
		if secretField(name) || secretField(stringMember(prop["title"])) {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// stringMember is the string a JSON member holds, or "" when it holds none.
func stringMember(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

// secretField reports a field's name, title or description that asks for
// a secret. The text is split into words at anything but letters and
// digits and at case changes ("cardNumber", "api_key", "One-time code").
func secretField(s string) bool {
	if s == "" {
		return false
	}
	words := fieldWords(s)
	has := func(w string) bool {
		for _, x := range words {
			if x == w {
				return true
			}
		}
		return false
	}
	pair := func(a, b string) bool {
		for i := 0; i+1 < len(words); i++ {
			if words[i] == a && words[i+1] == b {
				return true
			}
		}
		return false
	}
	for _, w := range []string{"password", "passwd", "passcode", "passphrase", "pin", "otp", "totp", "cvv", "cvc", "cvv2", "apikey", "mnemonic", "ssn",
		"contraseña", "contrasena", "senha", "passwort", "kennwort", "wachtwoord", "пароль", "парольная"} {
		if has(w) {
			return true
		}
	}
	if pair("mot", "de") && has("passe") {
		return true
	}
	// scripts written without spaces: anywhere in the text
	for _, w := range []string{"密码", "密碼", "口令", "验证码", "驗證碼", "パスワード", "暗証番号", "認証コード", "비밀번호", "인증번호", "보안카드", "공동인증서"} {
		if strings.Contains(s, w) {
			return true
		}
	}
	for _, p := range [][2]string{{"api", "key"}, {"access", "token"}, {"auth", "token"}, {"bearer", "token"}, {"refresh", "token"}, {"private", "key"}, {"secret", "key"},
		{"client", "secret"}, {"seed", "phrase"}, {"recovery", "phrase"}, {"recovery", "code"}, {"security", "code"}, {"verification", "code"}, {"auth", "code"},
		{"one", "time"}, {"card", "number"}, {"credit", "card"}, {"social", "security"}, {"2fa", "code"}, {"mfa", "code"}, {"sms", "code"}} {
		if pair(p[0], p[1]) {
			return true
		}
	}
	return has("token") || has("secret")
}

// fieldWords splits s into lower-case words at anything but letters and
// digits, and where a lower-case letter is followed by an upper-case one.
func fieldWords(s string) []string {
	var words []string
	var b strings.Builder
	prevLower := false
	flush := func() {
		if b.Len() > 0 {
			words = append(words, b.String())
			b.Reset()
		}
	}
	for _, r := range s {
		isUpper := r >= 'A' && r <= 'Z'
		isLetter := isUpper || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 0x7f && r != 0x3000
		if !isLetter {
			flush()
			prevLower = false
			continue
		}
		if isUpper && prevLower {
			flush()
		}
		b.WriteString(strings.ToLower(string(r)))
		prevLower = r >= 'a' && r <= 'z'
	}
	flush()
	return words
}

// AsStructuredResult presents any JSON value as a tool result's structured
// content, so that Result reads every string in it as text from a server
// or a caller (a call's arguments, a sampling or elicitation request).
func AsStructuredResult(v json.RawMessage) json.RawMessage {
	b := make([]byte, 0, len(v)+32)
	b = append(b, `{"structuredContent":`...)
	b = append(b, v...)
	return append(b, '}')
}
