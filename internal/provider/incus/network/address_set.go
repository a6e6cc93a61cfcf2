package network

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/rackform/terraform-provider-rack/internal/incus"
	"github.com/rackform/terraform-provider-rack/internal/provider/fw"
	"github.com/rackform/terraform-provider-rack/internal/provider/incus/configobject"
	"github.com/rackform/terraform-provider-rack/internal/provider/incus/incusattr"
)

// addressSetModel is the state of rack_incus_network_address_set.
type addressSetModel struct {
	configobject.Base
	Project   types.String `tfsdk:"project"`
	Addresses types.Set    `tfsdk:"addresses"`
	UsedBy    types.List   `tfsdk:"used_by"`
}

// AddressSetNameProblem says why incusd (6.12 and later) would refuse a
// set name ("" when it would not): 1-63 letters, digits and hyphens, not
// starting or ending with a hyphen, not a number.
func AddressSetNameProblem(name string) string {
	if strings.HasPrefix(name, "$") || strings.HasPrefix(name, "@") {
		return fmt.Sprintf("it must not start with %q (ACL rules write the set as $%s; leave the $ out of the name)", name[:1], strings.TrimLeft(name, "$@"))
	}
	return hostNameProblem(name)
}

// canonicalAddress is the one spelling of an address or subnet
// (2001:DB8::1 and 2001:db8:0::1 are 2001:db8::1), and whether s is one
// incusd takes: what net.ParseIP or net.ParseCIDR accepts, as incusd checks.
func canonicalAddress(s string) (string, bool) {
	if ip := net.ParseIP(s); ip != nil {
		if a, err := netip.ParseAddr(s); err == nil {
			return a.Unmap().String(), true
		}
		return ip.String(), true
	}
	if _, _, err := net.ParseCIDR(s); err == nil {
		if p, err := netip.ParsePrefix(s); err == nil {
			return p.String(), true
		}
		return s, true
	}
	return "", false
}

// addressesValidator checks each entry at plan time as incusd will (an IP
// address or a CIDR subnet), and that no two entries are the same address
// written two ways, which incusd would take as two and the firewall as one.
type addressesValidator struct{}

func (addressesValidator) Description(context.Context) string {
	return "each entry must be an IP address or a CIDR subnet, each address once"
}

func (v addressesValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (addressesValidator) ValidateSet(ctx context.Context, req validator.SetRequest, resp *validator.SetResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	seen := map[string]string{}
	var entries []string
	for _, e := range req.ConfigValue.Elements() {
		s, ok := e.(types.String)
		if !ok || s.IsNull() || s.IsUnknown() {
			continue
		}
		entries = append(entries, s.ValueString())
	}
	sort.Strings(entries)
	for _, a := range entries {
		canon, ok := canonicalAddress(a)
		if !ok {
			why := "Entries are IP addresses (198.18.0.1, 2001:db8::1) or CIDR subnets (198.18.0.0/15)"
			if strings.Contains(a, "-") {
				why += "; a range (a-b) needs Incus 7.1's network_address_set_ip_ranges extension, which this provider does not use: write the range as subnets"
			}
			resp.Diagnostics.AddAttributeError(req.Path, "Invalid Network Address Set Entry",
				fmt.Sprintf("%q is not an IP address or a CIDR subnet, and incusd would refuse it. %s.", a, why))
			continue
		}
		if other, dup := seen[canon]; dup {
			resp.Diagnostics.AddAttributeError(req.Path, "Duplicate Network Address Set Entry",
				fmt.Sprintf("%q and %q are the same address (%s) written two ways: keep one.", other, a, canon))
			continue
		}
		seen[canon] = a
	}
}

// userKeys checks at plan time that config has only user.* keys: incusd
// has no other address set key.
type userKeys struct{}

func (userKeys) Description(context.Context) string { return "must be a user.* key" }

func (v userKeys) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (userKeys) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if k := req.ConfigValue.ValueString(); !strings.HasPrefix(k, "user.") {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Network Address Set Config Key",
			fmt.Sprintf("%q is not a user.* key: network address sets take only user.* keys, and incusd would refuse it.", k))
	}
}

// addressesFromAPI is the server's entries as a set. incusd keeps each entry
// as it was sent; an entry that is the same address as one in prior keeps
// prior's spelling, so that a change of spelling alone is no drift. No
// entries is null unless prior was an empty set.
func addressesFromAPI(in []string, prior types.Set, diags *diag.Diagnostics) types.Set {
	if len(in) == 0 && (prior.IsNull() || prior.IsUnknown()) {
		return types.SetNull(types.StringType)
	}
	spelled := map[string]string{}
	if !prior.IsNull() && !prior.IsUnknown() {
		for _, e := range prior.Elements() {
			if s, ok := e.(types.String); ok {
				if canon, ok := canonicalAddress(s.ValueString()); ok {
					spelled[canon] = s.ValueString()
				}
			}
		}
	}
	elems := make([]attr.Value, 0, len(in))
	for _, a := range in {
		if canon, ok := canonicalAddress(a); ok && spelled[canon] != "" {
			a = spelled[canon]
		}
		elems = append(elems, types.StringValue(a))
	}
	out, d := types.SetValue(types.StringType, elems)
	diags.Append(d...)
	return out
}

func (m *addressSetModel) put(ctx context.Context, diags *diag.Diagnostics) incus.NetworkAddressSetPut {
	var addrs []string
	if !m.Addresses.IsNull() && !m.Addresses.IsUnknown() {
		diags.Append(m.Addresses.ElementsAs(ctx, &addrs, false)...)
	}
	sort.Strings(addrs)
	return incus.NetworkAddressSetPut{
		Description: m.Description.ValueString(),
		Addresses:   addrs,
		Config:      fw.StringMap(ctx, m.Config, diags),
	}
}

var addressSetType = &configobject.Type[addressSetModel, incus.NetworkAddressSet]{
	Name:  "network_address_set",
	Title: "Network Address Set",
	Noun:  "network address set",
	CLI:   "network address-set",
	Description: "An Incus network address set: a named list of IP addresses and CIDR subnets that network ACL rules name as `$name` in `source` or `destination` " +
		"(for example `source = format(\"$%s\", rack_incus_network_address_set.web.name)`: the reference also makes Terraform create the set before the ACL; `\"$${...}\"` would not do, as HCL reads `$${` as a literal `${`). " +
		"It needs Incus 6.12 or later (API extension `network_address_set`); on an older server the plan says so. " +
		"It is renamed in place (incusd refuses while an ACL rule names it). Deleting a set an ACL rule still names is refused, and the error lists the ACLs. " +
		"In a project without `features.networks` it lives in the `default` project.",
	InProject: true,
	Requires:  &incus.NetworkAddressSets,
	Attributes: map[string]schema.Attribute{
		"addresses": schema.SetAttribute{Optional: true, ElementType: types.StringType,
			Description: "The set's entries: IP addresses (`198.18.0.1`, `2001:db8::1`) and CIDR subnets (`198.18.0.0/15`). " +
				"Checked at plan time as incusd checks them; the same address written two ways (`2001:DB8::1`, `2001:db8::1`) is an error. " +
				"Incus keeps each entry as written; one rewritten outside Terraform as the same address spelled otherwise is not drift. Unset or empty: no entries.",
			Validators: []validator.Set{addressesValidator{}}},
		"config": schema.MapAttribute{Optional: true, ElementType: types.StringType,
			Description: "Config keys of the set: only `user.*` keys (free-form, for your own use and for filtering). A key changed or added outside Terraform shows as drift.",
			Validators:  []validator.Map{mapvalidator.KeysAre(incusattr.ConfigKeyValidator{}, userKeys{})}},
		"used_by": schema.ListAttribute{Computed: true, ElementType: types.StringType,
			Description: "The network ACLs whose rules name the set (`/1.0/network-acls/web`, ...), sorted. Read on each refresh; it is never a planned change."},
	},
	NameValidators: []validator.String{incusattr.NewNameValidator("network address set", AddressSetNameProblem)},
	Timeouts:       fw.TimeoutDefaults{Create: 2 * time.Minute, Read: 2 * time.Minute, Update: 2 * time.Minute, Delete: 2 * time.Minute},

	Get: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key) (configobject.Object[incus.NetworkAddressSet], error) {
		a, err := c.GetNetworkAddressSet(ctx, s, k.Name)
		if err != nil {
			return configobject.Object[incus.NetworkAddressSet]{}, err
		}
		return configobject.Object[incus.NetworkAddressSet]{Value: a, ETag: a.ETag}, nil
	},
	Create: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, m *addressSetModel, diags *diag.Diagnostics) error {
		put := m.put(ctx, diags)
		if diags.HasError() {
			return nil
		}
		return c.CreateNetworkAddressSet(ctx, s, k.Name, put)
	},
	Update: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, m *addressSetModel, etag string, diags *diag.Diagnostics) error {
		put := m.put(ctx, diags)
		if diags.HasError() {
			return nil
		}
		return c.UpdateNetworkAddressSet(ctx, s, k.Name, put, etag)
	},
	Rename: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, to string) error {
		return c.RenameNetworkAddressSet(ctx, s, k.Name, to)
	},
	Delete: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, _ *addressSetModel) error {
		return c.DeleteNetworkAddressSet(ctx, s, k.Name)
	},
	Read: func(ctx context.Context, m *addressSetModel, a *incus.NetworkAddressSet, diags *diag.Diagnostics) {
		m.Description = types.StringValue(a.Description)
		m.Config = incusattr.ConfigFromAPI(a.Config, m.Config, nil)
		m.Addresses = addressesFromAPI(a.Addresses, m.Addresses, diags)
		used, d := types.ListValueFrom(ctx, types.StringType, a.UsedBy)
		diags.Append(d...)
		m.UsedBy = used
		if m.Project.IsNull() || m.Project.IsUnknown() {
			// incusd answers with the project the set really lives in
			// (default, for a project without features.networks); state
			// keeps the one asked for.
			m.Project = types.StringValue(a.Project)
		}
	},
}

// NewAddressSetResource is rack_incus_network_address_set.
func NewAddressSetResource() resource.Resource { return configobject.NewResource(addressSetType)() }

// NewAddressSetDataSource is data.rack_incus_network_address_set.
func NewAddressSetDataSource() datasource.DataSource {
	return configobject.NewDataSource(addressSetType)()
}
