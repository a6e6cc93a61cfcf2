package network

import (
	"context"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
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

// recordModel is the state of rack_incus_network_zone_record.
type recordModel struct {
	configobject.Base
	Project types.String `tfsdk:"project"`
	Zone    types.String `tfsdk:"zone"`
	Entries types.List   `tfsdk:"entries"`
}

// entryModel is one DNS entry of a record.
type entryModel struct {
	Type  types.String `tfsdk:"type"`
	Value types.String `tfsdk:"value"`
	TTL   types.Int64  `tfsdk:"ttl"`
}

var entryType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"type": types.StringType, "value": types.StringType, "ttl": types.Int64Type,
}}

// maxTTL is the largest TTL DNS allows (RFC 2181, section 8).
const maxTTL = 1<<31 - 1

// RecordNameProblem says why incusd's API could not reach a record of that
// name ("" when it could). incusd 6.0.4 takes any name on create, even one
// its API paths cannot then read or delete.
func RecordNameProblem(name string) string {
	switch {
	case name == "":
		return "it must not be empty (use \"@\" for the zone's own name)"
	case strings.Contains(name, "/"):
		return "it must not contain a slash"
	case strings.ContainsAny(name, " \t\n"):
		return "it must not contain white space"
	}
	return ""
}

func (m *recordModel) put(ctx context.Context, diags *diag.Diagnostics) incus.NetworkZoneRecordPut {
	out := incus.NetworkZoneRecordPut{
		Description: m.Description.ValueString(),
		Config:      fw.StringMap(ctx, m.Config, diags),
	}
	var entries []entryModel
	if !m.Entries.IsNull() && !m.Entries.IsUnknown() {
		diags.Append(m.Entries.ElementsAs(ctx, &entries, false)...)
	}
	for _, e := range entries {
		out.Entries = append(out.Entries, incus.NetworkZoneEntry{Type: e.Type.ValueString(), Value: e.Value.ValueString(), TTL: uint64(max(e.TTL.ValueInt64(), 0))})
	}
	return out
}

var recordType = &configobject.Type[recordModel, incus.NetworkZoneRecord]{
	Name:  "network_zone_record",
	Title: "Network Zone Record",
	CLI:   "network zone record",
	Description: "A record of an Incus network zone: a name in the zone (`www` is `www.<zone>`, `@` the zone's own name) with its DNS entries, served by the Incus server's DNS server next to the records Incus generates for instances. " +
		"Incus cannot rename a record, nor move it to another zone: a new name or zone replaces it.",
	InProject: true,
	Parents: []configobject.Parent{
		{Attribute: "zone", Description: "Name of the network zone the record is in (`lab.example.net`)."},
	},
	Attributes: map[string]schema.Attribute{
		"config": schema.MapAttribute{Optional: true, ElementType: types.StringType,
			Description: "Config keys of the record: Incus takes only `user.*` keys here, and shows its refusal of any other as it is. A key changed or added outside Terraform shows as drift.",
			Validators:  []validator.Map{mapvalidator.KeysAre(incusattr.ConfigKeyValidator{})}},
		"entries": schema.ListNestedAttribute{Optional: true,
			Description: "The record's DNS entries, in order. Incus refuses a type its DNS library does not know, a value that does not parse for its type (an `A` entry that is not an IPv4 address), and two entries with the same type and value; its error is shown as it is. " +
				"An entry changed, added or removed outside Terraform shows as drift. Omitted, the record has no entries.",
			NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
				"type": schema.StringAttribute{Required: true,
					Description: "DNS type of the entry: `A`, `AAAA`, `CNAME`, `TXT`, `MX`, `SRV`, `NS`, `PTR`, `CAA`, ... (any type Incus's DNS library knows).",
					Validators:  []validator.String{stringvalidator.LengthAtLeast(1)}},
				"value": schema.StringAttribute{Required: true,
					Description: "Value of the entry, as in a zone file: `198.18.0.10` for `A`, `host.example.net.` for `CNAME`, `10 mail.example.net.` for `MX`, `\"v=spf1 -all\"` for `TXT`."},
				"ttl": schema.Int64Attribute{Optional: true,
					Description: "Time to live of the entry, in seconds (1 to 2147483647). Omitted, Incus serves the entry with its default TTL of 300 seconds (and keeps no TTL for it, so none is read back).",
					Validators:  []validator.Int64{int64validator.Between(1, maxTTL)}},
			}},
		},
	},
	NameValidators: []validator.String{incusattr.NewNameValidator("network zone record", RecordNameProblem)},
	Timeouts:       zoneTimeouts,

	Get: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key) (configobject.Object[incus.NetworkZoneRecord], error) {
		r, err := c.GetNetworkZoneRecord(ctx, s, k.Parents[0], k.Name)
		if err != nil {
			return configobject.Object[incus.NetworkZoneRecord]{}, err
		}
		return configobject.Object[incus.NetworkZoneRecord]{Value: r, ETag: r.ETag}, nil
	},
	Create: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, m *recordModel, diags *diag.Diagnostics) error {
		put := m.put(ctx, diags)
		if diags.HasError() {
			return nil
		}
		return c.CreateNetworkZoneRecord(ctx, s, k.Parents[0], k.Name, put)
	},
	Update: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, m *recordModel, etag string, diags *diag.Diagnostics) error {
		put := m.put(ctx, diags)
		if diags.HasError() {
			return nil
		}
		return c.UpdateNetworkZoneRecord(ctx, s, k.Parents[0], k.Name, put, etag)
	},
	Delete: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, _ *recordModel) error {
		return c.DeleteNetworkZoneRecord(ctx, s, k.Parents[0], k.Name)
	},
	Read: func(ctx context.Context, m *recordModel, r *incus.NetworkZoneRecord, diags *diag.Diagnostics) {
		m.Description = types.StringValue(r.Description)
		m.Config = incusattr.ConfigFromAPI(r.Config, m.Config, nil)
		m.Zone = types.StringValue(r.Zone)
		if len(r.Entries) == 0 && m.Entries.IsNull() {
			return // none, as configured (null)
		}
		entries := make([]entryModel, 0, len(r.Entries))
		for _, e := range r.Entries {
			ttl := types.Int64Null() // incusd's default, stored as none
			if e.TTL != 0 {
				ttl = types.Int64Value(int64(min(e.TTL, maxTTL)))
			}
			entries = append(entries, entryModel{Type: types.StringValue(e.Type), Value: types.StringValue(e.Value), TTL: ttl})
		}
		list, d := types.ListValueFrom(ctx, entryType, entries)
		diags.Append(d...)
		m.Entries = list
	},
}

// NewRecordResource is rack_incus_network_zone_record.
func NewRecordResource() resource.Resource { return configobject.NewResource(recordType)() }
