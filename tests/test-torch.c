/* test-torch.c: the networks' layers and shapes, the forward passes and the
 * training step of the libtorch shim. */

#include <malloc.h>
#include <math.h>

#include "ead-compute.h"
#include "ead-error.h"
#include "torch/ead-torch.h"

static void
assert_shape (EadNets *nets, const char *name, int n_dims, gint64 d0, gint64 d1, gint64 d2, gint64 d3)
{
  int index = ead_nets_find_tensor (nets, name);
  g_assert_cmpint (index, >=, 0);
  gint64 shape[4];
  g_assert_cmpint (ead_nets_get_tensor_shape (nets, index, shape), ==, n_dims);
  const gint64 expected[4] = { d0, d1, d2, d3 };
  for (int i = 0; i < n_dims; i++)
    g_assert_cmpint (shape[i], ==, expected[i]);
}

/* How many blocks glibc has mapped apart from its heap, around a 256-MiB
 * block allocated in this thread: before and while it is held. */
static gpointer
mapped_around_large_block (gpointer data)
{
  gsize *mapped = data;
  mapped[0] = mallinfo2 ().hblks;
  g_autofree char *block = g_malloc (256 << 20);
  block[0] = 1;
  mapped[1] = mallinfo2 ().hblks;
  return NULL;
}

/* main() set the process up as the command line does: a thread per core,
 * and a worker thread's block far above glibc's mmap thresholds (as 512-px
 * activations are) comes from the heap instead of a fresh mapping. */
static void
test_setup_process (void)
{
  gsize mapped[2];

  g_assert_cmpint (ead_torch_get_threads (), ==, g_get_num_processors ());
  g_thread_join (g_thread_new ("worker", mapped_around_large_block, mapped));
  g_assert_cmpuint (mapped[1], ==, mapped[0]);
}

static void
test_output_size (void)
{
  g_assert_cmpint (ead_nets_output_size (256), ==, 56);
  g_assert_cmpint (ead_nets_output_size (320), ==, 72);
  g_assert_cmpint (ead_nets_output_size (512), ==, 120);
  g_assert_cmpint (ead_nets_output_size (255), ==, 0);
  g_assert_cmpint (ead_nets_output_size (192), ==, 0);
  g_assert_cmpint (ead_nets_output_size (288), ==, 0);
}

static void
test_rejects_unsupported_size (void)
{
  g_autoptr (GError) error = NULL;
  EadNets *nets = ead_nets_new (EAD_MODEL_SMALL, 300, &error);
  g_assert_null (nets);
  g_assert_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG);
  g_assert_nonnull (strstr (error->message, "multiple of 64"));
}

/* PDN-S: conv 3->128 k4, pool, conv 128->256 k4, pool, conv 256->256 k3,
 * conv 256->C k4; numbered as the reference's nn.Sequential. */
static void
test_small_layers (void)
{
  g_autoptr (GError) error = NULL;
  EadNets *nets = ead_nets_new (EAD_MODEL_SMALL, 256, &error);
  g_assert_no_error (error);
  assert_shape (nets, "teacher.0.weight", 4, 128, 3, 4, 4);
  assert_shape (nets, "teacher.3.weight", 4, 256, 128, 4, 4);
  assert_shape (nets, "teacher.6.weight", 4, 256, 256, 3, 3);
  assert_shape (nets, "teacher.8.weight", 4, 384, 256, 4, 4);
  assert_shape (nets, "teacher.8.bias", 1, 384, 0, 0, 0);
  assert_shape (nets, "student.8.weight", 4, 768, 256, 4, 4);
  g_assert_cmpint (ead_nets_find_tensor (nets, "teacher.9.weight"), ==, -1);
  assert_shape (nets, "teacher_mean", 1, 384, 0, 0, 0);
  assert_shape (nets, "teacher_std", 1, 384, 0, 0, 0);
  ead_nets_free (nets);
}

static void
test_medium_layers (void)
{
  g_autoptr (GError) error = NULL;
  EadNets *nets = ead_nets_new (EAD_MODEL_MEDIUM, 256, &error);
  g_assert_no_error (error);
  assert_shape (nets, "teacher.0.weight", 4, 256, 3, 4, 4);
  assert_shape (nets, "teacher.3.weight", 4, 512, 256, 4, 4);
  assert_shape (nets, "teacher.6.weight", 4, 512, 512, 1, 1);
  assert_shape (nets, "teacher.8.weight", 4, 512, 512, 3, 3);
  assert_shape (nets, "teacher.10.weight", 4, 384, 512, 4, 4);
  assert_shape (nets, "teacher.12.weight", 4, 384, 384, 1, 1);
  assert_shape (nets, "student.12.weight", 4, 768, 768, 1, 1);
  ead_nets_free (nets);
}

/* Encoder: five stride-2 convs 3->32->32->64->64->64 then a k8 conv; decoder:
 * six k4 convs after upsampling, then two k3 convs to 384 channels. */
static void
test_autoencoder_layers (void)
{
  g_autoptr (GError) error = NULL;
  EadNets *nets = ead_nets_new (EAD_MODEL_SMALL, 256, &error);
  g_assert_no_error (error);
  assert_shape (nets, "autoencoder.0.weight", 4, 32, 3, 4, 4);
  assert_shape (nets, "autoencoder.2.weight", 4, 32, 32, 4, 4);
  assert_shape (nets, "autoencoder.4.weight", 4, 64, 32, 4, 4);
  assert_shape (nets, "autoencoder.10.weight", 4, 64, 64, 8, 8);
  /* Decoder blocks are upsample, conv, relu, dropout: convs at 12, 16, ... 32. */
  for (int i = 12; i <= 32; i += 4)
    {
      g_autofree char *name = g_strdup_printf ("autoencoder.%d.weight", i);
      assert_shape (nets, name, 4, 64, 64, 4, 4);
    }
  assert_shape (nets, "autoencoder.36.weight", 4, 64, 64, 3, 3);
  assert_shape (nets, "autoencoder.38.weight", 4, 384, 64, 3, 3);
  g_assert_cmpint (ead_nets_find_tensor (nets, "autoencoder.40.weight"), ==, -1);
  ead_nets_free (nets);
}

static float *
random_input (int size, guint32 seed)
{
  GRand *rand = g_rand_new_with_seed (seed);
  float *x = g_new (float, 3 * (gsize) size * size);
  for (gsize i = 0; i < 3 * (gsize) size * size; i++)
    x[i] = (float) g_rand_double_range (rand, -2, 2);
  g_rand_free (rand);
  return x;
}

/* The maps come out at the PDN output size, which also proves the
 * autoencoder's decoder ends at that size (the difference would fail). */
static void
check_predict_at (EadModelSize size, int image_size)
{
  g_autoptr (GError) error = NULL;
  ead_torch_manual_seed (1);
  EadNets *nets = ead_nets_new (size, image_size, &error);
  g_assert_no_error (error);
  int side = ead_nets_get_output_size (nets);
  g_autofree float *x = random_input (image_size, 7);
  g_autofree float *local = g_new (float, side * side);
  g_autofree float *global = g_new (float, side * side);
  g_assert_true (ead_nets_predict (nets, x, 1, EAD_PRECISION_FP32, local, global, &error));
  g_assert_no_error (error);
  for (int i = 0; i < side * side; i++)
    {
      g_assert_true (isfinite (local[i]) && local[i] >= 0);
      g_assert_true (isfinite (global[i]) && global[i] >= 0);
    }
  ead_nets_free (nets);
}

static void
test_predict_shapes (void)
{
  check_predict_at (EAD_MODEL_SMALL, 256);
  check_predict_at (EAD_MODEL_SMALL, 320);
  check_predict_at (EAD_MODEL_MEDIUM, 256);
}

/* bf16 maps agree with fp32 maps to bf16's precision. */
static void
test_bf16_matches_fp32 (void)
{
  g_autoptr (GError) error = NULL;
  ead_torch_manual_seed (2);
  EadNets *nets = ead_nets_new (EAD_MODEL_SMALL, 256, &error);
  g_autofree float *x = random_input (256, 3);
  const int n = 56 * 56;
  g_autofree float *l32 = g_new (float, n), *g32 = g_new (float, n);
  g_autofree float *l16 = g_new (float, n), *g16 = g_new (float, n);
  g_assert_true (ead_nets_predict (nets, x, 1, EAD_PRECISION_FP32, l32, g32, &error));
  g_assert_true (ead_nets_predict (nets, x, 1, EAD_PRECISION_BF16, l16, g16, &error));
  g_assert_no_error (error);
  double mean = 0, worst = 0;
  for (int i = 0; i < n; i++)
    {
      mean += l32[i] / n;
      worst = MAX (worst, fabs (l32[i] - l16[i]));
    }
  g_assert_cmpfloat (worst, <, 0.05 * mean);
  ead_nets_free (nets);
}

/* The mean of the local map over the image with the student as prepared for
 * inference (oneDNN on the CPU), and the eager student's loss against the
 * same teacher features. */
static double
local_map_mean (EadNets *nets, const float *x, double *eager_loss)
{
  g_autoptr (GError) error = NULL;
  const int side = ead_nets_get_output_size (nets), n = side * side;
  g_autofree float *local = g_new (float, n), *global = g_new (float, n);
  g_autofree float *teacher = g_new (float, (gsize) EAD_TEACHER_CHANNELS * n);
  g_assert_true (ead_nets_predict (nets, x, 1, EAD_PRECISION_FP32, local, global, &error));
  g_assert_true (ead_nets_teacher_forward (nets, x, 1, teacher, &error));
  g_assert_true (ead_nets_student_loss (nets, x, 1, teacher, eager_loss, &error));
  g_assert_no_error (error);
  double mean = 0;
  for (int i = 0; i < n; i++)
    mean += local[i] / n;
  return mean;
}

/* Inference runs on networks prepared once (weights reordered for oneDNN):
 * they give the eager networks' values, and a changed weight is seen. */
static void
test_prepared_inference_matches_eager (void)
{
  g_autoptr (GError) error = NULL;
  ead_torch_manual_seed (4);
  EadNets *nets = ead_nets_new (EAD_MODEL_SMALL, 256, &error);
  g_assert_no_error (error);
  g_autofree float *x = random_input (256, 5);
  double eager, prepared = local_map_mean (nets, x, &eager);
  g_assert_cmpfloat (fabs (prepared - eager), <=, 1e-5 * eager);

  int index = ead_nets_find_tensor (nets, "student.8.bias");
  g_assert_cmpint (index, >=, 0);
  g_autofree float *bias = g_new (float, 2 * EAD_TEACHER_CHANNELS);
  g_assert_true (ead_nets_read_tensor (nets, index, bias, &error));
  for (int i = 0; i < EAD_TEACHER_CHANNELS; i++)
    bias[i] += 0.5f;
  g_assert_true (ead_nets_write_tensor (nets, index, bias, &error));
  g_assert_no_error (error);
  double eager_after, prepared_after = local_map_mean (nets, x, &eager_after);
  g_assert_cmpfloat (fabs (prepared_after - prepared), >, 0.01 * prepared);
  g_assert_cmpfloat (fabs (prepared_after - eager_after), <=, 1e-5 * eager_after);
  ead_nets_free (nets);
}

static void
test_tensor_round_trip (void)
{
  g_autoptr (GError) error = NULL;
  EadNets *nets = ead_nets_new (EAD_MODEL_SMALL, 256, &error);
  int index = ead_nets_find_tensor (nets, "teacher_std");
  g_autofree float *values = g_new (float, 384);
  for (int i = 0; i < 384; i++)
    values[i] = 0.5f + i;
  g_assert_true (ead_nets_write_tensor (nets, index, values, &error));
  g_autofree float *back = g_new0 (float, 384);
  g_assert_true (ead_nets_read_tensor (nets, index, back, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (values, 384 * sizeof (float), back, 384 * sizeof (float));
  ead_nets_free (nets);
}

/* Repeated steps on one image drive the losses down. */
static void
test_training_lowers_loss (void)
{
  g_autoptr (GError) error = NULL;
  ead_torch_manual_seed (3);
  EadNets *nets = ead_nets_new (EAD_MODEL_SMALL, 256, &error);
  g_autofree float *x = random_input (256, 11);
  EadTrainer *trainer = ead_trainer_new (nets, 100, 1e-3, 1e-5, EAD_PRECISION_FP32, &error);
  g_assert_no_error (error);
  EadLosses first = { 0 }, last = { 0 };
  for (int i = 0; i < 6; i++)
    {
      g_assert_true (ead_trainer_step (trainer, x, NULL, x, i % 2 ? x : NULL, &last, &error));
      g_assert_no_error (error);
      if (i == 0)
        first = last;
    }
  g_test_message ("loss %.5f -> %.5f (hard %.5f -> %.5f)", first.total, last.total, first.hard, last.hard);
  g_assert_cmpfloat (last.hard, <, first.hard);
  g_assert_cmpfloat (last.total, <, first.total);
  g_assert_cmpint (ead_trainer_get_step (trainer), ==, 6);
  /* Two moments per trainable tensor, none for the teacher. */
  for (guint i = 0; i < ead_trainer_get_n_state (trainer); i++)
    g_assert_null (strstr (ead_trainer_get_state_name (trainer, i), "teacher"));
  g_assert_cmpuint (ead_trainer_get_n_state (trainer) % 2, ==, 0);
  ead_trainer_free (trainer);
  ead_nets_free (nets);
}

/* Steps from freshly seeded networks (the same weights and dropout masks for
 * the same seed), with @penalty every other one with the penalty image. */
static void
train_from_seed (EadModelSize size, EadPrecision precision, double learning_rate,
                 const float *x, gboolean penalty, EadLosses *losses, int n_steps)
{
  g_autoptr (GError) error = NULL;
  ead_torch_manual_seed (3);
  EadNets *nets = ead_nets_new (size, 256, &error);
  EadTrainer *trainer = ead_trainer_new (nets, 100, learning_rate, 1e-5, precision, &error);
  g_assert_no_error (error);
  for (int i = 0; i < n_steps; i++)
    {
      g_assert_true (ead_trainer_step (trainer, x, NULL, x, penalty && i % 2 ? x : NULL, &losses[i], &error));
      g_assert_no_error (error);
    }
  ead_trainer_free (trainer);
  ead_nets_free (nets);
}

/* bf16 training (autocast) follows fp32 step by step and lowers the loss. */
static void
test_bf16_training_tracks_fp32 (void)
{
  enum { STEPS = 5 };
  g_autofree float *x = random_input (256, 13);
  EadLosses fp32[STEPS], bf16[STEPS];
  train_from_seed (EAD_MODEL_SMALL, EAD_PRECISION_FP32, 1e-3, x, TRUE, fp32, STEPS);
  train_from_seed (EAD_MODEL_SMALL, EAD_PRECISION_BF16, 1e-3, x, TRUE, bf16, STEPS);
  for (int i = 0; i < STEPS; i++)
    {
      g_test_message ("step %d: total fp32 %.7f bf16 %.7f, hard %.7f %.7f", i, fp32[i].total,
                      bf16[i].total, fp32[i].hard, bf16[i].hard);
      g_assert_cmpfloat (fabs (bf16[i].total - fp32[i].total), <, 0.03 * fp32[i].total);
      g_assert_cmpfloat (fabs (bf16[i].hard - fp32[i].hard), <, 0.03 * fp32[i].hard);
    }
  g_assert_cmpfloat (bf16[STEPS - 1].total, <, bf16[0].total);
  g_assert_cmpfloat (bf16[STEPS - 1].hard, <, bf16[0].hard);
}

/* PDN-M's student, whose last layer is a 1x1 convolution, trains too: the
 * student-autoencoder loss (its second half) and the autoencoder's fall. */
static void
test_medium_training_lowers_loss (void)
{
  g_autofree float *x = random_input (256, 17);
  EadLosses losses[3];
  train_from_seed (EAD_MODEL_MEDIUM, EAD_PRECISION_FP32, 1e-4, x, FALSE, losses, 3);
  g_test_message ("stae %.6f -> %.6f, ae %.6f -> %.6f", losses[0].stae, losses[2].stae,
                  losses[0].ae, losses[2].ae);
  g_assert_cmpfloat (losses[2].stae, <, losses[0].stae);
  g_assert_cmpfloat (losses[2].ae, <, losses[0].ae);
}

/* The student's last layer is computed in halves, one per loss: the
 * autoencoder half's gradient reaches every one of its channels (the first
 * step's Adam moment is 0.1 times the gradient), and the hard loss's reaches
 * the teacher half. */
static void
test_both_student_halves_learn (void)
{
  g_autoptr (GError) error = NULL;
  ead_torch_manual_seed (5);
  EadNets *nets = ead_nets_new (EAD_MODEL_SMALL, 256, &error);
  g_autofree float *x = random_input (256, 19);
  EadTrainer *trainer = ead_trainer_new (nets, 10, 1e-4, 0, EAD_PRECISION_FP32, &error);
  g_assert_true (ead_trainer_step (trainer, x, NULL, x, NULL, NULL, &error));
  g_assert_no_error (error);
  int index = -1;
  for (guint i = 0; i < ead_trainer_get_n_state (trainer); i++)
    if (g_str_equal (ead_trainer_get_state_name (trainer, i), "adam.exp_avg.student.8.bias"))
      index = i;
  g_assert_cmpint (index, >=, 0);
  float moment[2 * EAD_TEACHER_CHANNELS];
  g_assert_true (ead_trainer_read_state (trainer, index, moment, &error));
  guint teacher_half = 0, ae_half = 0;
  for (int c = 0; c < EAD_TEACHER_CHANNELS; c++)
    {
      teacher_half += moment[c] != 0;
      ae_half += moment[EAD_TEACHER_CHANNELS + c] != 0;
    }
  g_assert_cmpuint (ae_half, ==, EAD_TEACHER_CHANNELS);
  g_assert_cmpuint (teacher_half, >, 0);
  ead_trainer_free (trainer);
  ead_nets_free (nets);
}

static const float *
zero_state (const char *name, gsize n_elements, gpointer user_data)
{
  GPtrArray *buffers = user_data;
  float *zeros = g_new0 (float, n_elements);
  g_ptr_array_add (buffers, zeros);
  return zeros;
}

/* One step of freshly seeded networks in @precision, with the student's
 * targets given (@teacher_st) or left to the trainer (NULL). */
static EadLosses
first_step (EadPrecision precision, const float *x, const float *teacher_st)
{
  g_autoptr (GError) error = NULL;
  ead_torch_manual_seed (5);
  EadNets *nets = ead_nets_new (EAD_MODEL_SMALL, 256, &error);
  EadTrainer *trainer = ead_trainer_new (nets, 10, 1e-4, 1e-5, precision, &error);
  g_assert_no_error (error);
  EadLosses losses;
  ead_torch_manual_seed (6);
  g_assert_true (ead_trainer_step (trainer, x, teacher_st, x, NULL, &losses, &error));
  g_assert_no_error (error);
  ead_trainer_free (trainer);
  ead_nets_free (nets);
  return losses;
}

/* A bf16 step learns the teacher's fp32 features, the ones training caches,
 * whether they come from the cache or not. */
static void
test_bf16_targets_are_fp32 (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree float *x = random_input (256, 17);
  ead_torch_manual_seed (5);
  EadNets *nets = ead_nets_new (EAD_MODEL_SMALL, 256, &error);
  const int m = ead_nets_get_output_size (nets);
  /* New networks normalise with mean 0 and deviation 1: the raw features. */
  g_autofree float *cached = g_new (float, EAD_TEACHER_CHANNELS * m * m);
  g_assert_true (ead_nets_teacher_forward (nets, x, 1, cached, &error));
  g_assert_no_error (error);
  ead_nets_free (nets);

  EadLosses given = first_step (EAD_PRECISION_BF16, x, cached);
  EadLosses computed = first_step (EAD_PRECISION_BF16, x, NULL);
  g_test_message ("hard loss: targets given %.9g, computed %.9g", given.hard, computed.hard);
  g_assert_cmpfloat_with_epsilon (computed.hard, given.hard, 1e-6 * given.hard);
  g_assert_cmpfloat_with_epsilon (computed.total, given.total, 1e-6 * given.total);
}

/* StepLR: the rate drops tenfold from step int(0.95 * steps) on. */
static void
test_learning_rate_schedule (void)
{
  g_autoptr (GError) error = NULL;
  EadNets *nets = ead_nets_new (EAD_MODEL_SMALL, 256, &error);
  g_autofree float *x = random_input (256, 5);
  EadTrainer *trainer = ead_trainer_new (nets, 20, 1e-4, 0, EAD_PRECISION_FP32, &error);
  g_autoptr (GPtrArray) buffers = g_ptr_array_new_with_free_func (g_free);
  g_assert_true (ead_trainer_restore (trainer, 18, zero_state, buffers, &error));
  g_assert_no_error (error);
  EadLosses losses;
  g_assert_true (ead_trainer_step (trainer, x, NULL, x, NULL, &losses, &error));
  g_assert_cmpfloat_with_epsilon (losses.learning_rate, 1e-4, 1e-12);
  g_assert_true (ead_trainer_step (trainer, x, NULL, x, NULL, &losses, &error));
  g_assert_cmpfloat_with_epsilon (losses.learning_rate, 1e-5, 1e-12);
  g_assert_cmpint (ead_trainer_get_step (trainer), ==, 20);
  /* A checkpoint beyond the run is refused. */
  g_assert_false (ead_trainer_restore (trainer, 21, zero_state, buffers, &error));
  g_assert_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG);
  ead_trainer_free (trainer);
  ead_nets_free (nets);
}

static void
test_rejects_bad_steps (void)
{
  g_autoptr (GError) error = NULL;
  EadNets *nets = ead_nets_new (EAD_MODEL_SMALL, 256, &error);
  g_assert_null (ead_trainer_new (nets, 0, 1e-4, 0, EAD_PRECISION_FP32, &error));
  g_assert_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG);
  ead_nets_free (nets);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  ead_torch_setup_process (0);
  g_test_add_func ("/torch/setup-process", test_setup_process);
  g_test_add_func ("/torch/output-size", test_output_size);
  g_test_add_func ("/torch/rejects-unsupported-size", test_rejects_unsupported_size);
  g_test_add_func ("/torch/small-layers", test_small_layers);
  g_test_add_func ("/torch/medium-layers", test_medium_layers);
  g_test_add_func ("/torch/autoencoder-layers", test_autoencoder_layers);
  g_test_add_func ("/torch/predict-shapes", test_predict_shapes);
  g_test_add_func ("/torch/prepared-inference-matches-eager", test_prepared_inference_matches_eager);
  g_test_add_func ("/torch/bf16-matches-fp32", test_bf16_matches_fp32);
  g_test_add_func ("/torch/tensor-round-trip", test_tensor_round_trip);
  g_test_add_func ("/torch/training-lowers-loss", test_training_lowers_loss);
  g_test_add_func ("/torch/bf16-training-tracks-fp32", test_bf16_training_tracks_fp32);
  g_test_add_func ("/torch/medium-training-lowers-loss", test_medium_training_lowers_loss);
  g_test_add_func ("/torch/both-student-halves-learn", test_both_student_halves_learn);
  g_test_add_func ("/torch/bf16-targets-are-fp32", test_bf16_targets_are_fp32);
  g_test_add_func ("/torch/learning-rate-schedule", test_learning_rate_schedule);
  g_test_add_func ("/torch/rejects-bad-steps", test_rejects_bad_steps);
  return g_test_run ();
}
