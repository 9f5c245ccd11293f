/* Which models are outside what Strata imports by design: training
 * operators (ai.onnx.preview.training), the ai.onnx.ml domain, sequences,
 * optionals, maps, string tensors, and ImageDecoder (decoding JPEG, PNG,
 * TIFF, WebP and JPEG 2000 needs image codec libraries Strata does not link
 * against).  The conformance runner reports these
 * as skipped rather than failed, so the failure count means "work to do". */
#include <stdio.h>
#include <string.h>

#include "frontend/onnx/onnx_internal.h"

static const char *const st_seq_ops[] = {
    "SequenceConstruct", "SequenceEmpty", "SequenceAt", "SequenceInsert", "SequenceErase", "SequenceLength",
    "SequenceMap", "ConcatFromSequence", "SplitToSequence", "Optional", "OptionalHasElement", "OptionalGetElement",
    "StringNormalizer", "StringConcat", "StringSplit", "RegexFullMatch",
};

static bool st_type_out_of_scope(const Onnx__TypeProto *t, const char *name, char *why, size_t n) {
  if (!t) return false;
  const char *kind = NULL;
  switch (t->value_case) {
  case ONNX__TYPE_PROTO__VALUE_SEQUENCE_TYPE: kind = "a sequence"; break;
  case ONNX__TYPE_PROTO__VALUE_OPTIONAL_TYPE: kind = "an optional"; break;
  case ONNX__TYPE_PROTO__VALUE_MAP_TYPE: kind = "a map"; break;
  case ONNX__TYPE_PROTO__VALUE_SPARSE_TENSOR_TYPE: kind = "a sparse tensor"; break;
  case ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE:
    if (t->tensor_type && t->tensor_type->elem_type == 8) kind = "a string tensor";
    break;
  default: break;
  }
  if (kind) snprintf(why, n, "value '%s' is %s", name, kind);
  return kind != NULL;
}

static bool st_graph_out_of_scope(const Onnx__GraphProto *g, char *why, size_t n, int depth);

static bool st_node_out_of_scope(const Onnx__NodeProto *np, char *why, size_t n, int depth) {
  const char *dom = st_onnx_norm_domain(np->domain), *op = st_onnx_str(np->op_type);
  if (strcmp(dom, "ai.onnx.preview.training") == 0 || strcmp(dom, "ai.onnx.ml") == 0) {
    snprintf(why, n, "op %s::%s (out of scope)", dom, op);
    return true;
  }
  if (!*dom && strcmp(op, "ImageDecoder") == 0) {
    snprintf(why, n, "op ImageDecoder needs image codec libraries (out of scope)");
    return true;
  }
  for (size_t i = 0; i < sizeof st_seq_ops / sizeof *st_seq_ops; i++)
    if (!*dom && strcmp(op, st_seq_ops[i]) == 0) {
      snprintf(why, n, "op %s uses sequences, optionals or strings (out of scope)", op);
      return true;
    }
  for (size_t i = 0; i < np->n_attribute; i++) {
    const Onnx__AttributeProto *a = np->attribute[i];
    if (a->t && a->t->data_type == 8) {
      snprintf(why, n, "node '%s' has a string tensor attribute", st_onnx_str(np->name));
      return true;
    }
    if (a->n_strings && !strcmp(op, "Constant")) {
      snprintf(why, n, "Constant of strings (out of scope)");
      return true;
    }
    if (a->g && st_graph_out_of_scope(a->g, why, n, depth + 1)) return true;
    for (size_t j = 0; j < a->n_graphs; j++)
      if (st_graph_out_of_scope(a->graphs[j], why, n, depth + 1)) return true;
  }
  return false;
}

static bool st_graph_out_of_scope(const Onnx__GraphProto *g, char *why, size_t n, int depth) {
  if (!g || depth > 32) return false;
  for (size_t i = 0; i < g->n_input; i++)
    if (st_type_out_of_scope(g->input[i]->type, st_onnx_str(g->input[i]->name), why, n)) return true;
  for (size_t i = 0; i < g->n_output; i++)
    if (st_type_out_of_scope(g->output[i]->type, st_onnx_str(g->output[i]->name), why, n)) return true;
  for (size_t i = 0; i < g->n_node; i++)
    if (st_node_out_of_scope(g->node[i], why, n, depth)) return true;
  return false;
}

bool st_onnx_out_of_scope(const void *data, size_t len, char *why, size_t why_len) {
  Onnx__ModelProto *m = onnx__model_proto__unpack(NULL, len, data);
  if (!m) return false;
  bool out = st_graph_out_of_scope(m->graph, why, why_len, 0);
  for (size_t i = 0; !out && i < m->n_functions; i++)
    for (size_t j = 0; !out && j < m->functions[i]->n_node; j++)
      out = st_node_out_of_scope(m->functions[i]->node[j], why, why_len, 0);
  onnx__model_proto__free_unpacked(m, NULL);
  return out;
}
