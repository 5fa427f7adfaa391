//===- model_config_test.cpp - Tests for ModelConfig ----------------------===//

#include "runtime/reference/model_config.h"

#include <gtest/gtest.h>

using namespace tern::ref;

TEST(ModelConfig, Presets) {
  bool ok = false;
  ModelConfig t = presetConfig("tiny", &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(t.hidden, 256);
  EXPECT_EQ(t.ffn, 512);
  EXPECT_EQ(t.layers, 2);
  EXPECT_EQ(t.heads, 4);
  EXPECT_EQ(t.kv_heads, 2);
  EXPECT_EQ(t.head_dim, 64);
  EXPECT_EQ(t.vocab, 512);
  EXPECT_EQ(t.max_context, 256);

  ModelConfig m = presetConfig("micro", &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(m.hidden, 64);
  EXPECT_EQ(m.ffn, 128);
  EXPECT_EQ(m.layers, 1);
  EXPECT_EQ(m.heads, 2);
  EXPECT_EQ(m.kv_heads, 1);
  EXPECT_EQ(m.head_dim, 32);
  EXPECT_EQ(m.vocab, 128);
  EXPECT_EQ(m.max_context, 32);
  EXPECT_TRUE(validate(m, nullptr));

  ModelConfig s = presetConfig("small", &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(s.hidden, 256);
  EXPECT_EQ(s.ffn, 768);
  EXPECT_EQ(s.layers, 4);
  EXPECT_EQ(s.heads, 8);
  EXPECT_EQ(s.kv_heads, 2);
  EXPECT_EQ(s.head_dim, 32);
  EXPECT_EQ(s.vocab, 4096);
  EXPECT_EQ(s.max_context, 512);

  ModelConfig b = presetConfig("2b4t", &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(b.hidden, 2560);
  EXPECT_EQ(b.ffn, 6912);
  EXPECT_EQ(b.layers, 30);
  EXPECT_EQ(b.heads, 20);
  EXPECT_EQ(b.kv_heads, 5);
  EXPECT_EQ(b.head_dim, 128);
  EXPECT_EQ(b.vocab, 128256);
  EXPECT_EQ(b.max_context, 4096);

  for (const ModelConfig &c : {t, s, b}) {
    EXPECT_EQ(c.rope_theta, 500000.0f);
    EXPECT_EQ(c.rms_eps, 1e-5f);
    EXPECT_TRUE(c.tied_embeddings);
    std::string err;
    EXPECT_TRUE(validate(c, &err)) << err;
  }
}

TEST(ModelConfig, UnknownPreset) {
  bool ok = true;
  ModelConfig c = presetConfig("huge", &ok);
  EXPECT_FALSE(ok);
  EXPECT_FALSE(validate(c, nullptr));
}

TEST(ModelConfig, ValidateRejectsBadConfigs) {
  bool ok;
  const ModelConfig tiny = presetConfig("tiny", &ok);
  std::string err;

  ModelConfig c = tiny;
  c.ffn = 0;
  EXPECT_FALSE(validate(c, &err));
  EXPECT_NE(err.find("ffn must be positive, got 0"), std::string::npos) << err;

  c = tiny;
  c.heads = 6;
  c.kv_heads = 4;
  EXPECT_FALSE(validate(c, &err));
  EXPECT_NE(err.find("heads (6) must be a multiple of kv_heads (4)"),
            std::string::npos)
      << err;

  c = tiny;
  c.head_dim = 15;
  EXPECT_FALSE(validate(c, &err));
  EXPECT_NE(err.find("head_dim must be even"), std::string::npos) << err;

  c = tiny;
  c.rope_theta = 0.0f;
  EXPECT_FALSE(validate(c, &err));
  EXPECT_NE(err.find("rope_theta"), std::string::npos) << err;

  // hidden != heads * head_dim is allowed.
  c = tiny;
  c.hidden = 48;
  EXPECT_TRUE(validate(c, &err)) << err;
}

TEST(ModelConfig, FamiliesAndTheirPresets) {
  bool ok = false;
  ModelConfig l = presetConfig("llama3-8b", &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(presetFamily("llama3-8b"), "llama158");
  EXPECT_EQ(l.hidden, 4096);
  EXPECT_EQ(l.ffn, 14336);
  EXPECT_EQ(l.kv_heads, 8);
  EXPECT_EQ(l.activation, Activation::Silu);
  EXPECT_FALSE(l.sub_norms);
  EXPECT_EQ(l.scale_mode, ScaleMode::Divide);
  EXPECT_FALSE(l.tied_embeddings);

  ModelConfig f = presetConfig("falcon3-1b", &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(f.head_dim, 256);
  EXPECT_EQ(f.rope_theta, 1000042.0f);
  EXPECT_EQ(f.vocab, 131072);

  ModelConfig b = presetConfig("bitnet-large", &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(presetFamily("bitnet-large"), "1bitllm");
  EXPECT_EQ(b.activation, Activation::Silu);
  EXPECT_TRUE(b.sub_norms);
  EXPECT_TRUE(b.tied_embeddings);
  for (const ModelConfig &c : {l, f, b}) {
    std::string err;
    EXPECT_TRUE(validate(c, &err)) << err;
  }

  ModelConfig t = presetConfig("tiny", &ok);
  EXPECT_EQ(t.activation, Activation::Relu2);
  EXPECT_TRUE(t.sub_norms);
  ASSERT_TRUE(applyFamily("1bitllm", &t));
  EXPECT_EQ(t.activation, Activation::Silu);
  EXPECT_TRUE(t.sub_norms);
  ModelConfig before = t;
  EXPECT_FALSE(applyFamily("gpt2", &t));
  EXPECT_EQ(t.activation, before.activation);
  EXPECT_STREQ(activationName(Activation::Silu), "silu");
  EXPECT_STREQ(activationName(Activation::Relu2), "relu2");
}
