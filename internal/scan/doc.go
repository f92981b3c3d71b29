// Package scan is mcpwarden's scanner for tool poisoning and prompt
// injection (control B8).
//
// It guards against text that an MCP server places in front of the model
// in order to steer it: tool, prompt and server-instruction definitions
// (names, descriptions, every string of the input and output schemas,
// annotations, _meta) and the results of tool calls (text content, embedded
// resource text, every string leaf of structuredContent). It looks for
// categories of attack rather than for known rows: instructions aimed at the
// model ("ignore previous instructions", "<IMPORTANT>", "SYSTEM:", role
// play), concealment from the user, directives that change the behaviour of
// other tools (shadowing), directives to read sensitive files or to send data
// to a parameter, address or URL (exfiltration), preference manipulation,
// hidden Unicode (tags block, bidi controls, zero-width and other format
// characters), homoglyph and confusable tool names, encoded payloads that
// decode to readable text, dangerous shell commands and a few more; see
// Rules for the list with stable ids and severities.
//
// Rules combine signals instead of matching keywords alone: a sensitive path
// only matters next to a directive to read or send it, a reference to another
// tool only next to a directive that changes its arguments, a concealment
// phrase is downgraded when what it hides is a secret being protected, a
// tag such as <IMPORTANT> is raised only when a directive sits near it, and
// phrases that are quoted, narrated ("make the model ignore its
// instructions") or sit in a sentence that discusses attacks are reported
// at low severity, as is a long tool result that reads as an article about
// attacks (several distinct words such as attack, injection, exploit,
// payload). Hidden Unicode and encoded payloads are never lowered.
//
// What it trusts: the gateway's own configuration and the JSON structure it
// is handed. It does not trust any text from an upstream server. It does not
// see a server's code, so a backdoor that lives only in the implementation is
// out of its reach (the sandbox and egress controls cover those).
//
// The scanner is deterministic and offline: the same input always yields the
// same findings in the same order, nothing is fetched, no model is run. An
// optional Classifier (for example HTTPClassifier pointing at a local model)
// can be configured as a second opinion; it is off by default. Scanning is
// linear in the size of its input; a Scanner is safe for concurrent use and
// never panics, whatever the input (malformed JSON yields an "unparsable"
// finding).
package scan
