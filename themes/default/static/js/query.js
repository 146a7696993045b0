/* sitegen: the query language of the grid's filter box. The twin of sitegen/query.py (the grammar
   and the rules are documented there); both pass every case of tests/query_cases.json. Pure; node-tested.
   Positions count characters (code points), as Python does. */
var SitegenQuery = (function () {
  "use strict";
  var PREFIXES = {params: "params", param: "params", metrics: "metrics", metric: "metrics",
                  tags: "tags", tag: "tags", run: "run"};
  var RUN_FIELDS = ["id", "name", "number", "script", "status"];
  var SECTIONS = ["params", "metrics", "tags"];
  var OPERATOR_CHARS = "=!<>~";
  var SPACE = " \t\n\r\f\v\u00a0";
  var NUMBER_RE = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
  var KEYWORDS = ["and", "or", "not"];
  var OP_LIST = "= != < <= > >= ~ !~";
  var has = function (o, k) { return o != null && Object.prototype.hasOwnProperty.call(o, k); };

  /** A query that does not parse; position: the character (0-based) where it broke. */
  function QueryError(reason, position) {
    this.name = "QueryError";
    this.reason = reason;
    this.position = position;
    this.message = "at character " + (position + 1) + ": " + reason;
  }
  QueryError.prototype = Object.create(Error.prototype);
  QueryError.prototype.constructor = QueryError;

  function tok(kind, text, start, end) { return {kind: kind, text: text, start: start, end: end}; }

  /** The tokens of text (an "end" token last); QueryError on a stray "!" or an open quote. */
  function tokenize(chars) {
    var out = [], i = 0, n = chars.length;
    while (i < n) {
      var c = chars[i];
      if (SPACE.indexOf(c) >= 0) i++;
      else if (c === "(" || c === ")") { out.push(tok(c, c, i, i + 1)); i++; }
      else if (OPERATOR_CHARS.indexOf(c) >= 0) {
        var two = c + (i + 1 < n ? chars[i + 1] : "");
        if (["<=", ">=", "!=", "!~", "=="].indexOf(two) >= 0) {
          out.push(tok("op", two === "==" ? "=" : two, i, i + 2)); i += 2;
        } else if (c === "!") {
          throw new QueryError('"!" must be followed by "=" or "~"', i);
        } else { out.push(tok("op", c, i, i + 1)); i++; }
      } else if (c === '"' || c === "'") {
        var j = i + 1, s = [];
        while (j < n && chars[j] !== c) {
          if (chars[j] === "\\" && j + 1 < n) j++;
          s.push(chars[j]); j++;
        }
        if (j >= n) throw new QueryError("unterminated string: add the closing " + c, i);
        out.push(tok("str", s.join(""), i, j + 1)); i = j + 1;
      } else {
        var k = i;
        while (k < n && SPACE.indexOf(chars[k]) < 0 && "()\"'".indexOf(chars[k]) < 0 &&
               OPERATOR_CHARS.indexOf(chars[k]) < 0) k++;
        out.push(tok("word", chars.slice(i, k).join(""), i, k)); i = k;
      }
    }
    out.push(tok("end", "", n, n));
    return out;
  }

  // ---------------------------------------------------------------- evaluation

  /** The row's value for a name {section, key} as queries see it (null when it has none):
      "NaN", "inf", "-inf" as numbers, a list as its JSON text (converted here, not for every value). */
  function lookup(name, row) {
    if (name.section === "run") return has(row, name.key) ? row[name.key] : null;
    if (name.section) return has(row[name.section], name.key) ? valueOf(row[name.section][name.key]) : null;
    for (var i = 0; i < SECTIONS.length; i++) {
      var values = row[SECTIONS[i]];
      if (has(values, name.key)) return valueOf(values[name.key]);
    }
    return RUN_FIELDS.indexOf(name.key) >= 0 && has(row, name.key) ? row[name.key] : null;
  }

  function order(op, a, b) {
    switch (op) {
      case "=": return a === b;
      case "!=": return a !== b;
      case "<": return a < b;
      case "<=": return a <= b;
      case ">": return a > b;
      default: return a >= b;
    }
  }

  /** One comparison of a row's value with a literal (text; number when it reads as one). */
  function compare(value, op, text, number) {
    if (typeof value === "boolean") value = value ? "true" : "false";
    else if (typeof value === "number") { if (value !== value) return false; }
    else if (typeof value !== "string") return false;  // missing
    if (op === "~" || op === "!~") {
      if (typeof value !== "string") return false;
      return (value.toLowerCase().indexOf(text.toLowerCase()) >= 0) === (op === "~");
    }
    if (number !== null) {
      if (typeof value === "string") {
        if (!NUMBER_RE.test(value)) return false;
        value = Number(value);
      }
      return order(op, value, number);
    }
    return typeof value === "string" && order(op, value, text);
  }

  /** Whether the row has a value of this name at all. */
  function foundIn(name, row) {
    if (name.section === "run") return row[name.key] != null;
    if (name.section) return has(row[name.section], name.key);
    return SECTIONS.some(function (s) { return has(row[s], name.key); }) ||
      (RUN_FIELDS.indexOf(name.key) >= 0 && row[name.key] != null);
  }
  function label(name) { return name.section ? name.section + "." + name.key : name.key; }
  function names(node) {
    if (node.type === "cmp") return [node.name];
    if (node.type === "not") return names(node.item);
    return [].concat.apply([], node.items.map(names));
  }

  function matches(node, row) {
    var i;
    switch (node.type) {
      case "cmp": return compare(lookup(node.name, row), node.op, node.text, node.number);
      case "not": return !matches(node.item, row);
      case "and":
        for (i = 0; i < node.items.length; i++) if (!matches(node.items[i], row)) return false;
        return true;
      default:
        for (i = 0; i < node.items.length; i++) if (matches(node.items[i], row)) return true;
        return false;
    }
  }

  // ---------------------------------------------------------------- the parser

  function shown(t) {
    if (t.kind === "end") return "the end";
    if (t.kind === "str") return "a quoted string";
    return '"' + t.text + '"';
  }
  function keyword(t) {
    if (t.kind !== "word") return null;
    var w = t.text.toLowerCase();
    return KEYWORDS.indexOf(w) >= 0 ? w : null;
  }

  /** The query in text: {text, root, matches(row)}; throws QueryError (with .position). */
  function parse(text) {
    text = String(text);
    var chars = Array.from(text);
    var toks = tokenize(chars), i = 0;
    function peek() { return toks[i]; }
    function take() { return toks[i++]; }
    function fail(reason, t) { return new QueryError(reason, t.start); }

    /** part (word part)*: one part as it is, several as {type: word, items}. */
    function joined(word, part) {
      var items = [part()];
      while (keyword(peek()) === word) { take(); items.push(part()); }
      return items.length === 1 ? items[0] : {type: word, items: items};
    }
    function or_() { return joined("or", and_); }
    function and_() { return joined("and", unary); }
    function unary() {
      var t = peek();
      if (keyword(t) === "not") { take(); return {type: "not", item: unary()}; }
      if (t.kind === "(") {
        take();
        var node = or_(), close = peek();
        if (close.kind !== ")") {
          if (close.kind === "end") throw fail('missing ")" for the "(" at character ' + (t.start + 1), close);
          throw fail('expected "and", "or" or ")", got ' + shown(close), close);
        }
        take();
        return node;
      }
      return comparison();
    }
    function name() {
      var t = take();
      if (t.kind === "str") return {section: null, key: t.text};
      if (t.kind !== "word" || keyword(t)) throw fail("expected a name, got " + shown(t), t);
      if (NUMBER_RE.test(t.text)) {
        throw fail("expected a name, got the number " + t.text + " (the name comes first: Accuracy > 0.5)", t);
      }
      var dot = t.text.indexOf("."), head = dot < 0 ? null : t.text.slice(0, dot);
      if (dot < 0 || !has(PREFIXES, head)) return {section: null, key: t.text};
      var section = PREFIXES[head], rest = t.text.slice(dot + 1);
      if (!rest) {
        var after = peek();
        if (after.kind !== "str" || after.start !== t.end) throw fail('expected a name after "' + t.text + '"', after);
        rest = take().text;
      }
      if (section === "run" && RUN_FIELDS.indexOf(rest) < 0) {
        throw fail('unknown run field "' + rest + '": use run.' + RUN_FIELDS.join(", run."), t);
      }
      return {section: section, key: rest};
    }
    function comparison() {
      var start = peek(), nm = name(), op = take();
      var shownName = chars.slice(start.start, toks[i - 2].end).join("");
      if (op.kind !== "op") {
        throw fail("expected an operator (" + OP_LIST + ") after " + shownName +
                   (op.kind !== "end" ? ", got " + shown(op) : ""), op);
      }
      var t = take();
      if (t.kind === "str") return {type: "cmp", name: nm, op: op.text, text: t.text, number: null};
      if (t.kind !== "word" || keyword(t)) {
        var quote = keyword(t) ? ' (quote it: "' + t.text + '")' : "";
        var got = t.kind === "end" ? "" : ", got " + shown(t) + quote;
        throw fail('expected a value after "' + op.text + '"' + got, t);
      }
      return {type: "cmp", name: nm, op: op.text, text: t.text,
              number: NUMBER_RE.test(t.text) ? Number(t.text) : null};
    }

    if (peek().kind === "end") throw fail("empty query: write e.g. Accuracy > 0.75", peek());
    var root = or_(), last = peek();
    if (last.kind === ")") throw fail('unmatched ")"', last);
    if (last.kind !== "end") throw fail('expected "and", "or" or the end, got ' + shown(last), last);
    return {text: text, root: root, matches: function (row) { return matches(root, row); },
            /** The names of this query that no row has (a typo, most likely), once each. */
            unknown: function (rows) {
              var out = [];
              names(root).forEach(function (n) {
                var l = label(n);
                if (out.indexOf(l) < 0 && !rows.some(function (r) { return foundIn(n, r); })) out.push(l);
              });
              return out;
            }};
  }

  /** Whether text is meant as a query (it has one of = ! < > ~), not a plain search. */
  function isQuery(text) {
    for (var i = 0; i < OPERATOR_CHARS.length; i++) if (String(text).indexOf(OPERATOR_CHARS[i]) >= 0) return true;
    return false;
  }

  // ---------------------------------------------------------------- rows and filters

  /** What a plain search looks in (lower case): #number, name, id, status, script, tags, start. */
  function searchText(row) {
    var tags = tagText(row.tags);
    var number = row.number == null ? null : "#" + row.number;
    return [number, row.name, row.id, row.status, row.script, tags, row.start].map(function (p) {
      return p == null ? "" : String(p);
    }).join(" ").toLowerCase();
  }

  /** A row predicate for the filter box's text: null (every row) for blank text, a substring
      search for plain text, the parsed query otherwise (throws QueryError if it does not parse). */
  function filter(text) {
    text = String(text == null ? "" : text);
    if (!text.trim()) return null;
    if (isQuery(text)) return parse(text).matches;
    var needle = text.trim().toLowerCase();
    return function (row) {
      if (row._search == null) row._search = searchText(row);
      return row._search.indexOf(needle) >= 0;
    };
  }

  var NON_FINITE = {"NaN": NaN, "inf": Infinity, "-inf": -Infinity, "Infinity": Infinity, "-Infinity": -Infinity};
  /** JSON text as Python writes it ("[64, 32]", {"a": 1}): how the site publishes a list parameter. */
  function jsonText(v) {
    if (Array.isArray(v)) return "[" + v.map(jsonText).join(", ") + "]";
    if (v && typeof v === "object") {
      return "{" + Object.keys(v).map(function (k) { return JSON.stringify(k) + ": " + jsonText(v[k]); }).join(", ") + "}";
    }
    return JSON.stringify(v);
  }
  /** A value as queries see it: "NaN", "inf", "-inf" back as numbers, a list as its JSON text. */
  function valueOf(v) {
    if (typeof v === "string") return has(NON_FINITE, v) ? NON_FINITE[v] : v;
    return v !== null && typeof v === "object" ? jsonText(v) : v;
  }

  /** The row a query looks at, from a grid row of data/index.js ({id, number, name, script,
      status, start, tags, values (a series by its last value), params}). */
  function rowFromIndex(r) {
    return {id: r.id, number: r.number, name: r.name, script: r.script, status: r.status, start: r.start,
            params: r.params || {}, metrics: r.values || {},
            tags: r.tags && typeof r.tags === "object" ? r.tags : {}};
  }

  /** filter() over the grid's rows (data/index.js): each is made into a query row once. */
  function gridFilter(text) {
    var keep = filter(text);
    return keep && function (r) { return keep(r._q || (r._q = rowFromIndex(r))); };
  }

  /** The names of the query in text that no grid row has ([] for plain or unparsable text). */
  function gridUnknown(text, runs) {
    if (!isQuery(text)) return [];
    var q;
    try { q = parse(text); } catch (e) { return []; }
    return q.unknown(runs.map(function (r) { return r._q || (r._q = rowFromIndex(r)); }));
  }

  /** A run's tags as the grid shows them: "k=v k2=v2", sorted by key. */
  function tagText(tags) {
    return Object.keys(tags || {}).sort().map(function (k) { return k + "=" + tags[k]; }).join(" ");
  }

  var HELP = 'Write NAME OP VALUE (OP: = != < <= > >= ~), joined by and, or, not, with parentheses; ' +
             'quote names with spaces: "Regularization Rate" < 1. Text without = ! < > ~ is a plain search.';

  return {parse: parse, isQuery: isQuery, filter: filter, gridFilter: gridFilter, gridUnknown: gridUnknown, searchText: searchText,
          tagText: tagText, compare: compare, rowFromIndex: rowFromIndex, QueryError: QueryError, HELP: HELP};
})();
if (typeof module !== "undefined") module.exports = SitegenQuery;
