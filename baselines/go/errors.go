// Classification of net/http's and encoding/json's errors into core's error
// kinds (see README.md, "Errors").

package main

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
)

// errorKind classifies a net/http error: a timeout first (Client.Timeout,
// also while the body is read), then TLS, then the system call under it.
func errorKind(err error) string {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "timeout"
	}
	var unknownCA x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	var record tls.RecordHeaderError
	if errors.As(err, &unknownCA) || errors.As(err, &hostname) || errors.As(err, &invalid) || errors.As(err, &record) {
		return "tls"
	}
	if errors.Is(err, errNotH2) || strings.Contains(err.Error(), "no application protocol") {
		return "protocol" // an http2 plan: the server would not speak h2
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "remote error" { // a TLS alert from the server
		return "tls"
	}
	msg := err.Error()
	switch {
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.EHOSTUNREACH),
		errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EADDRNOTAVAIL):
		return "connect"
	case strings.Contains(msg, "tls: "), // a handshake that failed on this side
		strings.Contains(msg, "server gave HTTP response to HTTPS client"): // no TLS there at all
		return "tls"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE), errors.Is(err, syscall.ECONNABORTED),
		errors.Is(err, io.EOF), strings.Contains(msg, "server closed idle connection"):
		return "reset" // the connection ended before the response
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "truncated"
	case strings.Contains(msg, "stream error:"), strings.Contains(msg, "GOAWAY"):
		return "reset" // HTTP/2: the server reset the stream (in the body: truncated)
	case strings.Contains(msg, "malformed HTTP"):
		return "protocol"
	}
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	if errors.As(err, &syntax) || errors.As(err, &typ) {
		return "decode"
	}
	return "other"
}

// readErr remembers the error the body's reader returned, so a JSON decode
// that failed because the body broke off is told apart from one that failed
// on a body that arrived whole.
type readErr struct {
	r   io.Reader
	err error
}

func (r *readErr) Read(b []byte) (int, error) {
	n, err := r.r.Read(b)
	if err != nil && err != io.EOF {
		r.err = err
	}
	return n, err
}

// decodeKind is the kind of a failed JSON decode of a body read through r:
// the body broke off (`truncated`, ...), or it arrived whole but is not the
// document (`decode`).
func decodeKind(r *readErr) string {
	if r.err != nil {
		return inBody(errorKind(r.err))
	}
	return "decode"
}
