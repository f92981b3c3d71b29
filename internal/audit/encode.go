package audit

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

// appendEvent appends the JSON encoding of a normalized ev to dst. The
// output is byte for byte what encoding/json's Marshal gives for an Event
// (same field order, omitempty rules, HTML-safe string escapes, number and
// time formats, compacted Arguments); encode_test.go checks this on a
// corpus and by fuzzing. It exists because an audit event is encoded on the
// path of every call, and reflection-based encoding was a measurable part
// of the gateway's added latency. Detail, an open map, is still encoded by
// encoding/json. ok is false when ev holds something only encoding/json
// can judge (a time outside years 0..9999); the caller then falls back.
func appendEvent(dst []byte, ev *Event) (out []byte, ok bool) {
	if y := ev.Time.Year(); y < 0 || y > 9999 {
		return dst, false
	}
	b := append(dst, `{"schema_version":`...)
	b = appendString(b, ev.SchemaVersion)
	b = append(b, `,"event_id":`...)
	b = appendString(b, ev.EventID)
	b = append(b, `,"time":"`...)
	b = ev.Time.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","type":`...)
	b = appendString(b, ev.Type)
	b = appendOptString(b, `,"correlation_id":`, ev.CorrelationID)
	b = appendOptString(b, `,"trace_id":`, ev.TraceID)
	b = appendOptString(b, `,"span_id":`, ev.SpanID)
	b = appendOptString(b, `,"session_id":`, ev.SessionID)
	b = append(b, `,"principal":{"subject":`...)
	b = appendString(b, ev.Principal.Subject)
	b = append(b, `,"anonymous":`...)
	b = strconv.AppendBool(b, ev.Principal.Anonymous)
	b = appendOptString(b, `,"client_id":`, ev.Principal.ClientID)
	if len(ev.Principal.Scopes) > 0 {
		b = append(b, `,"scopes":[`...)
		for i, sc := range ev.Principal.Scopes {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, sc)
		}
		b = append(b, ']')
	}
	b = appendOptString(b, `,"issuer":`, ev.Principal.Issuer)
	b = appendOptString(b, `,"jti":`, ev.Principal.TokenID)
	b = appendOptString(b, `,"auth_method":`, ev.Principal.AuthMethod)
	b = append(b, '}')
	if c := ev.Client; c != nil {
		b = append(b, `,"client":{"name":`...)
		b = appendString(b, c.Name)
		b = append(b, `,"version":`...)
		b = appendString(b, c.Version)
		b = appendOptString(b, `,"protocol_version":`, c.ProtocolVersion)
		b = append(b, '}')
	}
	b = appendOptString(b, `,"transport":`, ev.Transport)
	b = appendOptString(b, `,"remote_addr":`, ev.RemoteAddr)
	b = appendOptString(b, `,"server":`, ev.Server)
	b = appendOptString(b, `,"tool":`, ev.Tool)
	b = appendOptString(b, `,"exposed_name":`, ev.ExposedName)
	b = appendOptString(b, `,"resource":`, ev.Resource)
	if len(ev.Arguments) > 0 {
		b = append(b, `,"arguments":`...)
		b = appendCompactJSON(b, ev.Arguments)
	}
	b = appendOptString(b, `,"schema_hash":`, ev.SchemaHash)
	b = append(b, `,"contains_base64":`...)
	b = strconv.AppendBool(b, ev.ContainsBase64)
	b = append(b, `,"decision":{"action":`...)
	b = appendString(b, ev.Decision.Action)
	b = appendOptString(b, `,"guard":`, ev.Decision.Guard)
	b = appendOptString(b, `,"reason":`, ev.Decision.Reason)
	if ev.Decision.Code != 0 {
		b = append(b, `,"code":`...)
		b = strconv.AppendInt(b, int64(ev.Decision.Code), 10)
	}
	if ev.Decision.WouldDeny {
		b = append(b, `,"would_deny":true`...)
	}
	b = append(b, `},"status":{"outcome":`...)
	b = appendString(b, ev.Status.Outcome)
	if ev.Status.ErrorCode != 0 {
		b = append(b, `,"error_code":`...)
		b = strconv.AppendInt(b, int64(ev.Status.ErrorCode), 10)
	}
	b = appendOptString(b, `,"error_message":`, ev.Status.ErrorMessage)
	b = append(b, `},"duration_ms":`...)
	b = appendFloat(b, ev.DurationMS)
	b = appendOptString(b, `,"rule":`, ev.Rule)
	b = appendOptString(b, `,"severity":`, ev.Severity)
	if len(ev.EventIDs) > 0 {
		b = append(b, `,"event_ids":[`...)
		for i, id := range ev.EventIDs {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, id)
		}
		b = append(b, ']')
	}
	b = appendOptString(b, `,"summary":`, ev.Summary)
	if len(ev.Detail) > 0 {
		d, err := json.Marshal(ev.Detail)
		if err != nil {
			return dst, false
		}
		b = append(b, `,"detail":`...)
		b = append(b, d...)
	}
	if c := ev.Chain; c != nil {
		b = append(b, `,"chain":{"seq":`...)
		b = strconv.AppendUint(b, c.Seq, 10)
		b = append(b, `,"prev":`...)
		b = appendString(b, c.Prev)
		b = append(b, '}')
	}
	return append(b, '}'), true
}

// encodeEvent returns the JSON encoding of a normalized ev.
func encodeEvent(ev *Event) ([]byte, error) {
	if b, ok := appendEvent(make([]byte, 0, 512+len(ev.Arguments)), ev); ok {
		return b, nil
	}
	b, err := json.Marshal(ev)
	if err != nil {
		return nil, fmt.Errorf("audit: encode event %s: %w", ev.EventID, err)
	}
	return b, nil
}

func appendOptString(b []byte, key, s string) []byte {
	if s == "" {
		return b
	}
	b = append(b, key...)
	return appendString(b, s)
}

// appendFloat formats f as encoding/json does for a float64.
func appendFloat(b []byte, f float64) []byte {
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

const hexDigits = "0123456789abcdef"

// appendString quotes s as encoding/json does with HTML escaping: control
// characters, '<', '>', '&', U+2028 and U+2029 escaped, invalid UTF-8
// replaced by U+FFFD.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendCompactJSON appends valid JSON src without insignificant whitespace
// and with '<', '>', '&', U+2028 and U+2029 escaped, as encoding/json does
// for a json.RawMessage. Bytes inside strings are kept otherwise.
func appendCompactJSON(b []byte, src []byte) []byte {
	inString := false
	start := 0
	for i := 0; i < len(src); i++ {
		c := src[i]
		if inString {
			switch {
			case c == '\\':
				i++ // the escaped byte cannot end the string
			case c == '"':
				inString = false
			case c == '<' || c == '>' || c == '&':
				b = append(b, src[start:i]...)
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
				start = i + 1
			case c == 0xE2 && i+2 < len(src) && src[i+1] == 0x80 && src[i+2]&^1 == 0xA8:
				b = append(b, src[start:i]...)
				b = append(b, '\\', 'u', '2', '0', '2', hexDigits[src[i+2]&0xF])
				i += 2
				start = i + 1
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case ' ', '\t', '\n', '\r':
			b = append(b, src[start:i]...)
			start = i + 1
		}
	}
	return append(b, src[start:]...)
}
