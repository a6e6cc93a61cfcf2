package network

import (
	"context"
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// What forwards and load balancers share: their listen address, port
// lists and targets, checked at plan time as incusd checks them
// (docs-internal/incus-error-texts.md).

// PortListProblem says why incusd would refuse (or rewrite) a port list
// such as "80", "8000-8010" or "80,443", "" when it would take it. It also
// gives how many ports the list holds.
func PortListProblem(s string) (int, string) {
	if s == "" {
		return 0, "it is empty"
	}
	if strings.ContainsAny(s, " \t") {
		return 0, "it must not contain spaces (incusd drops them, and the value read back would differ)"
	}
	count := 0
	for _, r := range strings.Split(s, ",") {
		_, n, problem := portRange(r)
		if problem != "" {
			return 0, problem
		}
		count += n
	}
	return count, ""
}

// portRange parses "80" or "8000-8010": first port and how many.
func portRange(r string) (int, int, string) {
	if r == "" {
		return 0, 0, "it has an empty entry (a stray comma or dash)"
	}
	lo, hi, isRange := strings.Cut(r, "-")
	first, err := strconv.Atoi(lo)
	if err != nil || first < 0 || first > 65535 {
		return 0, 0, fmt.Sprintf("%q is not a port (0 to 65535)", lo)
	}
	if !isRange {
		return first, 1, ""
	}
	last, err := strconv.Atoi(hi)
	if err != nil || last < 0 || last > 65535 {
		return 0, 0, fmt.Sprintf("%q is not a port (0 to 65535)", hi)
	}
	if last <= first {
		return 0, 0, fmt.Sprintf("in %q the end port must be higher than the start port", r)
	}
	return first, last - first + 1, ""
}

// expandPorts lists the ports of a valid port list.
func expandPorts(s string) []int {
	var out []int
	for _, r := range strings.Split(s, ",") {
		first, n, problem := portRange(r)
		if problem != "" {
			return nil
		}
		for p := first; p < first+n; p++ {
			out = append(out, p)
		}
	}
	return out
}

// portListValidator checks a port list attribute.
type portListValidator struct{}

func (portListValidator) Description(context.Context) string {
	return "a port, a range (8000-8010) or a comma-separated list of them, without spaces"
}

func (v portListValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (portListValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, problem := PortListProblem(req.ConfigValue.ValueString()); problem != "" {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Port List",
			fmt.Sprintf("%s is %q: %s. Write a port (80), a range (8000-8010) or a comma-separated list of them (80,443).", req.Path, req.ConfigValue.ValueString(), problem))
	}
}

// AddressProblem says why a listen or target address is not one incusd
// keeps as written ("" when it is): incusd stores the canonical form of an
// IP address, so any other spelling would read back changed.
func AddressProblem(s string, listen bool) string {
	a, err := netip.ParseAddr(s)
	switch {
	case err != nil || a.Zone() != "":
		return "it is not an IP address"
	case a.Unmap().String() != s:
		// incusd stores net.IP's form: an IPv4-mapped address as IPv4.
		return fmt.Sprintf("write it as Incus stores it, %q", a.Unmap().String())
	case listen && a.Unmap().IsUnspecified():
		return "Incus cannot listen on the unspecified address"
	}
	return ""
}

// addressValidator checks an IP address attribute.
type addressValidator struct{ listen bool }

func (addressValidator) Description(context.Context) string {
	return "an IPv4 or IPv6 address in canonical form"
}

func (v addressValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v addressValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if problem := AddressProblem(req.ConfigValue.ValueString(), v.listen); problem != "" {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid IP Address",
			fmt.Sprintf("%s is %q: %s.", req.Path, req.ConfigValue.ValueString(), problem))
	}
}

// sameFamilyValidator checks that a target address is of the listen
// address's family (incusd refuses to mix IPv4 and IPv6).
type sameFamilyValidator struct{}

func (sameFamilyValidator) Description(context.Context) string {
	return "of the same IP version as listen_address"
}

func (v sameFamilyValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (sameFamilyValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	var listen types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("listen_address"), &listen)...)
	if listen.IsNull() || listen.IsUnknown() {
		return
	}
	la, err1 := netip.ParseAddr(listen.ValueString())
	ta, err2 := netip.ParseAddr(req.ConfigValue.ValueString())
	if err1 != nil || err2 != nil || la.Unmap().Is4() == ta.Unmap().Is4() {
		return
	}
	resp.Diagnostics.AddAttributeError(req.Path, "Mixed IP Versions",
		fmt.Sprintf("%s is %q, but listen_address %q is of the other IP version; Incus forwards IPv4 to IPv4 and IPv6 to IPv6 only.", req.Path, req.ConfigValue.ValueString(), listen.ValueString()))
}

// portUse records, per protocol, which entry of ports took each listen
// port: incusd refuses a listen port used twice.
type portUse map[string]map[int]int

// take records entry i's ports; it returns the first port already taken
// and the entry that took it (ok false).
func (u portUse) take(protocol string, ports []int, i int) (port, by int, ok bool) {
	if u[protocol] == nil {
		u[protocol] = map[int]int{}
	}
	for _, p := range ports {
		if j, taken := u[protocol][p]; taken {
			return p, j, false
		}
		u[protocol][p] = i
	}
	return 0, 0, true
}

func known(v types.String) bool { return !v.IsNull() && !v.IsUnknown() }

// noSpace matches a name without white space (a backend's).
var noSpace = regexp.MustCompile(`^\S+$`)
