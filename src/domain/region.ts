// An AWS region's name, as settings and stored requests give it.
import * as z from 'zod';

export const AwsRegion = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, { message: 'must be an AWS region such as us-east-1' });
