#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { TrailwatchStack } from '../lib/trailwatch-stack';

const app = new App();
new TrailwatchStack(app, 'Trailwatch');
