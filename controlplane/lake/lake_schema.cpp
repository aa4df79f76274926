#include "controlplane/lake/lake_schema.h"

#include <array>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace txscreen {

namespace {

using json = nlohmann::json;

[[noreturn]] void fail(const std::string& where, const std::string& what) {
    throw std::runtime_error("lake schema: " + (where.empty() ? what : "field " + where + ": " + what));
}

std::string join(const std::string& prefix, const std::string& name) {
    return prefix.empty() ? name : prefix + "." + name;
}

void fill_type(lake_field& out, const json& type, const std::string& where, int lists);

// "int", "long", ... (a bare name or the "type" of an object without logicalType).
bool primitive_from_name(std::string_view name, lake_type& out) noexcept {
    static constexpr std::pair<std::string_view, lake_type> names[] = {
        {"int", lake_type::int32},     {"long", lake_type::int64},
        {"float", lake_type::float32}, {"double", lake_type::float64},
        {"boolean", lake_type::boolean}, {"string", lake_type::string},
    };
    for (const auto& [n, t] : names) {
        if (n == name) { out = t; return true; }
    }
    return false;
}

// The lake never carries a value Avro does not: amount is computed from the record's
// own amount_minor and currency_exponent, so it sits right after amount_minor.
void add_derived_amount(std::vector<lake_field>& fields, const std::string& where) {
    auto named = [&](std::string_view n) {
        for (std::size_t i = 0; i < fields.size(); ++i) {
            if (fields[i].name == n) return static_cast<std::ptrdiff_t>(i);
        }
        return std::ptrdiff_t{-1};
    };
    const auto minor = named("amount_minor");
    if (minor < 0 || named("currency_exponent") < 0) return;
    if (named("amount") >= 0) fail(join(where, "amount"), "clashes with the derived decimal column amount");
    lake_field amount;
    amount.name = "amount";
    amount.type = lake_type::decimal18_4;
    amount.derived = true;
    amount.doc = "amount_minor in major units of currency (amount_minor / 10^currency_exponent); lake only";
    fields.insert(fields.begin() + minor + 1, std::move(amount));
}

void fill_record(lake_field& out, const json& type, const std::string& where, int lists) {
    const auto it = type.find("fields");
    if (it == type.end() || !it->is_array() || it->empty()) fail(where, "a record needs a non-empty \"fields\" array");
    for (const json& f : *it) {
        if (!f.is_object() || !f.contains("name") || !f["name"].is_string() || f["name"].get<std::string>().empty())
            fail(where, "a record field needs a \"name\"");
        lake_field child;
        child.name = f["name"].get<std::string>();
        const std::string child_where = join(where, child.name);
        for (const lake_field& seen : out.children) {
            if (seen.name == child.name) fail(child_where, "the name appears twice");
        }
        if (!f.contains("type")) fail(child_where, "no \"type\"");
        fill_type(child, f["type"], child_where, lists);
        if (f.contains("doc") && f["doc"].is_string()) child.doc = f["doc"].get<std::string>();
        if (f.contains("default")) child.default_json = f["default"].dump();
        out.children.push_back(std::move(child));
    }
    add_derived_amount(out.children, where);
}

void fill_list(lake_field& out, const json& type, const std::string& where, int lists) {
    // One level of lists: the column model (column_batch) has rep levels 0 and 1 only.
    if (lists > 0) fail(where, "a list inside a list is not supported");
    if (!type.contains("items")) fail(where, "an array needs \"items\"");
    lake_field element;
    element.name = "element";
    fill_type(element, type["items"], where, lists + 1);
    out.children.push_back(std::move(element));
}

void fill_object_type(lake_field& out, const json& type, const std::string& where, int lists) {
    if (!type.contains("type") || !type["type"].is_string()) fail(where, "a type object needs a \"type\" name");
    const std::string name = type["type"].get<std::string>();
    if (name == "record") { out.type = lake_type::record; fill_record(out, type, where, lists); return; }
    if (name == "array") { out.type = lake_type::list; fill_list(out, type, where, lists); return; }
    if (!primitive_from_name(name, out.type)) fail(where, "type \"" + name + "\" is not supported");
    if (!type.contains("logicalType")) return;
    const json& logical = type["logicalType"];
    if (name == "long" && logical == "timestamp-millis") { out.type = lake_type::timestamp_ms; return; }
    fail(where, "logicalType " + logical.dump() + " on \"" + name + "\" is not supported");
}

void fill_type(lake_field& out, const json& type, const std::string& where, int lists) {
    if (type.is_string()) {
        const std::string name = type.get<std::string>();
        if (!primitive_from_name(name, out.type)) fail(where, "type \"" + name + "\" is not supported");
        return;
    }
    if (type.is_array()) fail(where, "a union is not supported (every lake field is required)");
    if (!type.is_object()) fail(where, "the type must be a name or an object");
    fill_object_type(out, type, where, lists);
}

struct leaf_walk {
    std::vector<lake_leaf>& leaves;

    void field(const lake_field& f, std::vector<std::string> path, const std::string& dotted, int lists) {
        if (f.type != lake_type::list && f.type != lake_type::record) {
            primitive(f, std::move(path), dotted, lists);
            return;
        }
        path.push_back(f.name);
        if (f.type == lake_type::record) {
            for (const lake_field& c : f.children) field(c, path, join(dotted, c.name), lists);
            return;
        }
        // The list's own levels ("list", "element") are not part of the analysts' name.
        path.push_back("list");
        const lake_field& element = f.children.front();
        if (element.type == lake_type::record) {
            path.push_back("element");
            for (const lake_field& c : element.children) field(c, path, join(dotted, c.name), lists + 1);
        } else {
            primitive(element, std::move(path), dotted, lists + 1);
        }
    }

    void primitive(const lake_field& f, std::vector<std::string> path, const std::string& dotted, int lists) {
        path.push_back(f.name);
        lake_leaf leaf;
        leaf.path = std::move(path);
        leaf.dotted = dotted;
        leaf.type = f.type;
        leaf.max_rep = lists;
        leaf.max_def = lists;  // required list -> one def level for "has an element"
        leaves.push_back(std::move(leaf));
    }
};

}  // namespace

lake_table_schema lake_schema_from_avsc(std::string_view avsc_json, std::string table) {
    json doc;
    try {
        doc = json::parse(avsc_json);
    } catch (const json::exception& e) {
        throw std::runtime_error(std::string("lake schema: not JSON: ") + e.what());
    }
    if (!doc.is_object() || doc.value("type", json()) != "record")
        throw std::runtime_error("lake schema: the top level must be an Avro record");
    lake_field root;
    root.type = lake_type::record;
    fill_record(root, doc, "", 0);

    lake_table_schema out;
    out.table = std::move(table);
    if (doc.contains("name") && doc["name"].is_string()) out.record_name = doc["name"].get<std::string>();
    if (doc.contains("doc") && doc["doc"].is_string()) out.doc = doc["doc"].get<std::string>();
    out.fields = std::move(root.children);
    leaf_walk walk{out.leaves};
    for (const lake_field& f : out.fields) walk.field(f, {}, f.name, 0);
    return out;
}

const lake_table_schema& lake_schema(spool_table t) {
    // Built once (thread-safe static init); the embedded .avsc files are the build's own,
    // so a failure here is a packaging bug and throws like any bad schema.
    static const std::array<lake_table_schema, spool_table_count> all = [] {
        std::array<lake_table_schema, spool_table_count> s;
        for (int i = 0; i < spool_table_count; ++i) {
            const auto table = static_cast<spool_table>(i);
            s[i] = lake_schema_from_avsc(avro_schema_json(table), std::string(spool_table_name(table)));
        }
        return s;
    }();
    return all[static_cast<std::size_t>(t)];
}

std::string_view lake_type_name(lake_type t) noexcept {
    switch (t) {
        case lake_type::boolean: return "boolean";
        case lake_type::int32: return "int32";
        case lake_type::int64: return "int64";
        case lake_type::float32: return "float32";
        case lake_type::float64: return "float64";
        case lake_type::string: return "string";
        case lake_type::timestamp_ms: return "timestamp_ms";
        case lake_type::decimal18_4: return "decimal18_4";
        case lake_type::list: return "list";
        case lake_type::record: return "record";
    }
    return "?";
}

}  // namespace txscreen
