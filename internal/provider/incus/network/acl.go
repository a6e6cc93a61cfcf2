package network

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/rackform/terraform-provider-rack/internal/incus"
	"github.com/rackform/terraform-provider-rack/internal/provider/fw"
	"github.com/rackform/terraform-provider-rack/internal/provider/incus/configobject"
	"github.com/rackform/terraform-provider-rack/internal/provider/incus/incusattr"
)

// aclModel is the state of rack_incus_network_acl.
type aclModel struct {
	configobject.Base
	Project types.String `tfsdk:"project"`
	Ingress types.List   `tfsdk:"ingress"`
	Egress  types.List   `tfsdk:"egress"`
}

// aclRuleModel is one rule; a field the rule does not set is null.
type aclRuleModel struct {
	Action          types.String `tfsdk:"action"`
	Source          types.String `tfsdk:"source"`
	Destination     types.String `tfsdk:"destination"`
	Protocol        types.String `tfsdk:"protocol"`
	SourcePort      types.String `tfsdk:"source_port"`
	DestinationPort types.String `tfsdk:"destination_port"`
	ICMPType        types.String `tfsdk:"icmp_type"`
	ICMPCode        types.String `tfsdk:"icmp_code"`
	State           types.String `tfsdk:"state"`
	Description     types.String `tfsdk:"description"`
}

var aclRuleAttrTypes = map[string]attr.Type{
	"action": types.StringType, "source": types.StringType, "destination": types.StringType,
	"protocol": types.StringType, "source_port": types.StringType, "destination_port": types.StringType,
	"icmp_type": types.StringType, "icmp_code": types.StringType, "state": types.StringType,
	"description": types.StringType,
}

var aclRuleType = types.ObjectType{AttrTypes: aclRuleAttrTypes}

// hostNameChars are the characters of a host name.
var hostNameChars = regexp.MustCompile(`^[a-zA-Z0-9-]+$`)

// hostNameProblem says why incusd would refuse a name that must read as a
// host name, so that ACL rules tell it from an address ("" when it would
// not): the names of ACLs, address sets and peers.
func hostNameProblem(name string) string {
	switch {
	case name == "":
		return "it must not be empty"
	case len(name) > 63:
		return "it must be at most 63 characters long"
	case strings.HasPrefix(name, "-") || strings.HasSuffix(name, "-"):
		return `it must not start or end with "-"`
	case !hostNameChars.MatchString(name):
		return "it may contain only letters, digits and hyphens"
	}
	if _, err := strconv.ParseUint(name, 10, 64); err == nil {
		return "it must not be a number"
	}
	return ""
}

func aclRulesAttribute(dir, what string) schema.ListNestedAttribute {
	// incusd trims every field of a rule and the spaces around the items
	// of its lists: a value written otherwise would read back changed.
	optional := func(desc string, v ...validator.String) schema.StringAttribute {
		return schema.StringAttribute{Optional: true, Description: desc,
			Validators: append([]validator.String{stringvalidator.LengthAtLeast(1), fw.StoredAsWritten{}}, v...)}
	}
	list := func(desc string, v ...validator.String) schema.StringAttribute {
		return schema.StringAttribute{Optional: true, Description: desc + " Write it without spaces around the commas (Incus removes them).",
			Validators: append([]validator.String{stringvalidator.LengthAtLeast(1), fw.StoredAsWritten{List: true}}, v...)}
	}
	return schema.ListNestedAttribute{
		Optional: true,
		Description: fmt.Sprintf("The %s rules: %s, in order. "+
			"A NIC or network using the ACL matches each packet against the rules of all its ACLs (drop and reject before allow); a packet no rule matches gets the NIC's or network's default action. "+
			"A rule incusd refuses is reported with its index in this list.", dir, what),
		NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
			"action": schema.StringAttribute{
				Required:    true,
				Description: "What the rule does with a matching packet: `allow`, `allow-stateless`, `drop` or `reject`.",
				Validators:  []validator.String{stringvalidator.OneOf("allow", "allow-stateless", "drop", "reject")},
			},
			"source": list("Comma-separated source subjects: addresses, CIDR subnets, address ranges (`a-b`), network address sets as `$name` (Incus 6.12 and later)" +
				map[bool]string{true: ", other ACLs' names and `@internal`/`@external`", false: ""}[dir == "ingress"] + ". Unset matches any source."),
			"destination": list("Comma-separated destination subjects: addresses, CIDR subnets, address ranges (`a-b`), network address sets as `$name` (Incus 6.12 and later)" +
				map[bool]string{true: ", other ACLs' names and `@internal`/`@external`", false: ""}[dir == "egress"] + ". Unset matches any destination."),
			"protocol": optional("The protocol: `icmp4`, `icmp6`, `tcp` or `udp`. Unset matches any protocol.",
				stringvalidator.OneOf("icmp4", "icmp6", "tcp", "udp")),
			"source_port": list("Comma-separated source ports or ranges (`1000-2000`); needs `protocol` `tcp` or `udp`.",
				needsProtocol{"tcp", "udp"}),
			"destination_port": list("Comma-separated destination ports or ranges (`1000-2000`); needs `protocol` `tcp` or `udp`.",
				needsProtocol{"tcp", "udp"}),
			"icmp_type": optional("The ICMP type (0-255); needs `protocol` `icmp4` or `icmp6`.",
				needsProtocol{"icmp4", "icmp6"}),
			"icmp_code": optional("The ICMP code (0-255); needs `protocol` `icmp4` or `icmp6`.",
				needsProtocol{"icmp4", "icmp6"}),
			"state": schema.StringAttribute{
				Optional: true, Computed: true, Default: stringdefault.StaticString("enabled"),
				Description: "`enabled`, `disabled` (the rule is kept but not applied) or `logged` (applied and its matches logged). Defaults to `enabled`.",
				Validators:  []validator.String{stringvalidator.OneOf("enabled", "disabled", "logged")},
			},
			"description": optional("A description of the rule."),
		}},
	}
}

// needsProtocol checks at plan time that a port or ICMP field has a
// protocol it works with (incusd refuses it otherwise): an error on the
// field's own path, e.g. ingress[1].icmp_type.
type needsProtocol []string

func (n needsProtocol) Description(context.Context) string {
	return fmt.Sprintf("needs protocol %q or %q", n[0], n[1])
}

func (n needsProtocol) MarkdownDescription(ctx context.Context) string { return n.Description(ctx) }

func (n needsProtocol) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	var proto types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, req.Path.ParentPath().AtName("protocol"), &proto)...)
	if proto.IsUnknown() {
		return
	}
	for _, p := range n {
		if proto.ValueString() == p {
			return
		}
	}
	field := req.Path.Steps()[len(req.Path.Steps())-1].String()
	got := "no protocol"
	if !proto.IsNull() {
		got = fmt.Sprintf("protocol %q", proto.ValueString())
	}
	resp.Diagnostics.AddAttributeError(req.Path, "Invalid Network ACL Rule",
		fmt.Sprintf("%s: %s needs protocol %q or %q; this rule has %s, and incusd would refuse it. Set protocol, or remove %s.", req.Path, field, n[0], n[1], got, field))
}

func rulesToAPI(ctx context.Context, l types.List, diags *diag.Diagnostics) []incus.ACLRule {
	if l.IsNull() || l.IsUnknown() {
		return nil
	}
	var rules []aclRuleModel
	diags.Append(l.ElementsAs(ctx, &rules, false)...)
	out := make([]incus.ACLRule, len(rules))
	for i, r := range rules {
		out[i] = incus.ACLRule{
			Action: r.Action.ValueString(), Source: r.Source.ValueString(), Destination: r.Destination.ValueString(),
			Protocol: r.Protocol.ValueString(), SourcePort: r.SourcePort.ValueString(), DestinationPort: r.DestinationPort.ValueString(),
			ICMPType: r.ICMPType.ValueString(), ICMPCode: r.ICMPCode.ValueString(),
			State: fw.OrDefault(r.State.ValueString(), "enabled"), Description: r.Description.ValueString(),
		}
	}
	return out
}

// rulesFromAPI is the server's rules as a list; none is null unless the
// configuration gave an empty list (prior).
func rulesFromAPI(in []incus.ACLRule, prior types.List, diags *diag.Diagnostics) types.List {
	str := nullIfEmpty
	return listOrNull(len(in), prior, aclRuleType, diags, func(i int) map[string]attr.Value {
		r := in[i]
		return map[string]attr.Value{
			"action": str(r.Action), "source": str(r.Source), "destination": str(r.Destination),
			"protocol": str(r.Protocol), "source_port": str(r.SourcePort), "destination_port": str(r.DestinationPort),
			"icmp_type": str(r.ICMPType), "icmp_code": str(r.ICMPCode), "state": str(r.State),
			"description": str(r.Description),
		}
	})
}

func (m *aclModel) put(ctx context.Context, diags *diag.Diagnostics) incus.NetworkACLPut {
	return incus.NetworkACLPut{
		Description: m.Description.ValueString(),
		Config:      fw.StringMap(ctx, m.Config, diags),
		Ingress:     rulesToAPI(ctx, m.Ingress, diags),
		Egress:      rulesToAPI(ctx, m.Egress, diags),
	}
}

var aclType = &configobject.Type[aclModel, incus.NetworkACL]{
	Name:  "network_acl",
	Title: "Network ACL",
	Noun:  "network ACL",
	CLI:   "network acl",
	Description: "An Incus network ACL: ingress and egress rules that NICs and networks naming it in `security.acls` apply. " +
		"It needs no network to exist. It is renamed in place (incusd refuses while something uses it). " +
		"Deleting an ACL that a network, profile or instance still names is refused, and the error lists them. " +
		"In a project without `features.networks` it lives in the `default` project.",
	InProject: true,
	Attributes: map[string]schema.Attribute{
		"ingress": aclRulesAttribute("ingress", "traffic coming into the instance or network"),
		"egress":  aclRulesAttribute("egress", "traffic leaving the instance or network"),
	},
	NameValidators: []validator.String{incusattr.NewNameValidator("network ACL", hostNameProblem)},
	Timeouts:       fw.TimeoutDefaults{Create: 2 * time.Minute, Read: 2 * time.Minute, Update: 2 * time.Minute, Delete: 2 * time.Minute},

	Get: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key) (configobject.Object[incus.NetworkACL], error) {
		a, err := c.GetNetworkACL(ctx, s, k.Name)
		if err != nil {
			return configobject.Object[incus.NetworkACL]{}, err
		}
		return configobject.Object[incus.NetworkACL]{Value: a, ETag: a.ETag}, nil
	},
	Create: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, m *aclModel, diags *diag.Diagnostics) error {
		put := m.put(ctx, diags)
		if diags.HasError() {
			return nil
		}
		return c.CreateNetworkACL(ctx, s, k.Name, put)
	},
	Update: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, m *aclModel, etag string, diags *diag.Diagnostics) error {
		put := m.put(ctx, diags)
		if diags.HasError() {
			return nil
		}
		return c.UpdateNetworkACL(ctx, s, k.Name, put, etag)
	},
	Rename: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, to string) error {
		return c.RenameNetworkACL(ctx, s, k.Name, to)
	},
	Delete: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, _ *aclModel) error {
		return c.DeleteNetworkACL(ctx, s, k.Name)
	},
	Read: func(_ context.Context, m *aclModel, a *incus.NetworkACL, diags *diag.Diagnostics) {
		m.Description = types.StringValue(a.Description)
		m.Config = incusattr.ConfigFromAPI(a.Config, m.Config, nil)
		m.Ingress = rulesFromAPI(a.Ingress, m.Ingress, diags)
		m.Egress = rulesFromAPI(a.Egress, m.Egress, diags)
		if m.Project.IsNull() || m.Project.IsUnknown() {
			// incusd answers with the project the ACL really lives in
			// (default, for a project without features.networks); state
			// keeps the one asked for.
			m.Project = types.StringValue(a.Project)
		}
	},
}

// NewACLResource is rack_incus_network_acl.
func NewACLResource() resource.Resource { return configobject.NewResource(aclType)() }

// NewACLDataSource is data.rack_incus_network_acl.
func NewACLDataSource() datasource.DataSource { return configobject.NewDataSource(aclType)() }
