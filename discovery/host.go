package discovery

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// Limits on DNS names, from RFC 1035.
const (
	maxNameLen  = 253
	maxLabelLen = 63
)

// checkPort accepts 1..65535 in plain decimal: no sign, no leading zero.
func checkPort(port string) error {
	switch {
	case port == "":
		return errors.New("missing port")
	case strings.Trim(port, "0123456789") != "":
		return fmt.Errorf("port %q is not a decimal number", port)
	case port[0] == '0' && len(port) > 1:
		return fmt.Errorf("port %q has a leading zero", port)
	case len(port) > 5:
		return fmt.Errorf("port %s is out of range 1..65535", port)
	}
	n := 0
	for _, c := range port {
		n = n*10 + int(c-'0')
	}
	if n < 1 || n > 65535 {
		return fmt.Errorf("port %s is out of range 1..65535", port)
	}
	return nil
}

// normalizeHost checks host and returns its canonical form. bracketed says
// whether the address wrote the host in brackets.
func normalizeHost(host string, bracketed bool) (string, error) {
	if host == "" {
		return "", errors.New("missing host")
	}
	if bracketed || strings.Contains(host, ":") {
		return normalizeIPv6(host, bracketed)
	}
	if strings.Trim(host, "0123456789.") == "" {
		ip, err := netip.ParseAddr(host)
		if err != nil || !ip.Is4() {
			return "", fmt.Errorf("host %q is not an IPv4 address", host)
		}
		return ip.String(), nil
	}
	return normalizeName(host)
}

// normalizeIPv6 accepts a bracketed IPv6 literal without a zone.
func normalizeIPv6(host string, bracketed bool) (string, error) {
	ip, err := netip.ParseAddr(host)
	switch {
	case err != nil || !ip.Is6():
		return "", fmt.Errorf("host %q in brackets is not an IPv6 address", host)
	case !bracketed:
		return "", fmt.Errorf("IPv6 host %q must be in brackets", host)
	case ip.Zone() != "":
		return "", fmt.Errorf("IPv6 zone in %q is not supported", host)
	}
	return ip.String(), nil
}

// normalizeName checks a DNS name and lower-cases it, dropping one
// trailing dot.
func normalizeName(host string) (string, error) {
	name := strings.TrimSuffix(host, ".")
	if len(name) > maxNameLen {
		return "", fmt.Errorf("host name is longer than %d characters", maxNameLen)
	}
	for label := range strings.SplitSeq(name, ".") {
		if label == "" || len(label) > maxLabelLen {
			return "", fmt.Errorf("host %q has a label that is empty or over %d characters",
				host, maxLabelLen)
		}
		if strings.TrimLeft(label, nameChars) != "" {
			return "", fmt.Errorf("host %q has a character not allowed in a name", host)
		}
	}
	return strings.ToLower(name), nil
}

// nameChars are the characters a DNS name's labels may hold.
const nameChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"
